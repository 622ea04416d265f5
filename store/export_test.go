package store

// DenseTilesRemembered is how many tiles the store remembers as dense.
func (s *Store) DenseTilesRemembered() int {
	s.denseTiles.mu.Lock()
	defer s.denseTiles.mu.Unlock()
	return len(s.denseTiles.m)
}
