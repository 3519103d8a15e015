package htcds

// Persons pairs each kept person's CTDC and HTCDS rows, for the tests.
func (r Result) Persons() [][2][]string { return r.persons }
