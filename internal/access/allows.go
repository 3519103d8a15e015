package access

// Allows reports whether the rule lets a caller with relation rel act: what
// InCase would decide, asked ahead (to tell a client which actions to offer).
func (r Rule) Allows(rel Relation) bool { return rel.Visible() && r.allow(rel) }
