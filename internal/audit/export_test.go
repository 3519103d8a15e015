package audit

// SetLinkBatch sets how many entries one pass of l links, so tests can
// exercise several passes with few entries.
func SetLinkBatch(l *Linker, n int) { l.batch = n }

// ListCursor returns the List cursor that pages on after entry id.
func ListCursor(id int64) string { return encodeCursor(id) }

// WithVerifyBatch returns opts reading n rows per query, so tests can
// exercise batch boundaries with short chains.
func WithVerifyBatch(opts VerifyOptions, n int) VerifyOptions {
	opts.batch = n
	return opts
}
