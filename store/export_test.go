package store

// BeijingTime is the SQL writing a timestamptz as a compiled selection does.
func BeijingTime(ts string) string { return beijingTime(ts) }
