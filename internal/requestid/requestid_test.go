package requestid

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
)

func TestHandlerNamesTheRequest(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(Handler(slog.NewTextHandler(&buf, nil)))
	log.InfoContext(With(context.Background(), "abc12345"), "with an id")
	log.InfoContext(context.Background(), "without")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "id=abc12345") || strings.Contains(lines[1], "id=") {
		t.Errorf("got %q, want the id on the first line only", lines)
	}
	if Handler(log.Handler()) != log.Handler() {
		t.Errorf("wrapping twice adds the id twice")
	}
}
