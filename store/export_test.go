package store

// DenseTilesRemembered is how many tiles the store remembers as dense.
func (s *Store) DenseTilesRemembered() int {
	s.denseTiles.mu.Lock()
	defer s.denseTiles.mu.Unlock()
	return len(s.denseTiles.m)
}

// BeijingTime is the SQL writing a timestamptz as a compiled selection does.
func BeijingTime(ts string) string { return beijingTime(ts) }
