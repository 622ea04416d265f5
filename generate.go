package main

// gqlgen writes graph/; seqlists then has its list marshalling call loaders.MarshalSlice,
// which skips a goroutine per element when the relations are already loaded.
//go:generate go tool gqlgen generate
//go:generate go run ./internal/seqlists graph
