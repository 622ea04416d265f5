// Command seqlists points gqlgen's generated list marshalling at loaders.MarshalSlice.
//
// gqlgen's templates call graphql.MarshalSliceConcurrently for every list of objects and
// offer no setting to call anything else; `go generate` runs this after gqlgen, so that
// the generated files in the directory given as the argument call graph/marshal.go's
// marshalSlice instead. It fails when it finds no call to replace, so that a gqlgen
// upgrade that renames the function is noticed rather than silently undone.
package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: seqlists DIR")
		os.Exit(2)
	}
	if err := rewrite(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "seqlists:", err)
		os.Exit(1)
	}
}

var (
	from = []byte("graphql.MarshalSliceConcurrently(")
	to   = []byte("marshalSlice(")
)

func rewrite(dir string) error {
	files, err := filepath.Glob(filepath.Join(dir, "*.generated.go"))
	if err != nil {
		return err
	}
	total := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		n := bytes.Count(b, from)
		if n == 0 {
			continue
		}
		total += n
		if err := os.WriteFile(f, bytes.ReplaceAll(b, from, to), 0o644); err != nil {
			return err
		}
	}
	if total == 0 && !alreadyDone(files) {
		return fmt.Errorf("no call to graphql.MarshalSliceConcurrently in %s/*.generated.go", dir)
	}
	return nil
}

// alreadyDone reports whether the files were rewritten before (go generate run twice
// without gqlgen in between).
func alreadyDone(files []string) bool {
	for _, f := range files {
		if b, err := os.ReadFile(f); err == nil && bytes.Contains(b, to) {
			return true
		}
	}
	return false
}
