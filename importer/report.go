package importer

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"unicode/utf8"
)

// WriteTable writes the problems as a table (row, field, problem, value), at most max
// of them, saying how many more there are.
func (r *Result) WriteTable(w io.Writer, max int) error {
	if len(r.Problems) == 0 {
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ROW\tFIELD\tPROBLEM\tVALUE")
	for i, p := range r.Problems {
		if i == max {
			break
		}
		row := strconv.Itoa(p.Row)
		if p.Row == 0 {
			row = "-"
		}
		prob := p.Problem
		if p.Warning {
			prob = "(warning) " + prob
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", row, p.Field, prob, shorten(p.Value, 40))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if more := r.ProblemsTotal - min(max, len(r.Problems)); more > 0 {
		fmt.Fprintf(w, "… and %d more\n", more)
	}
	return nil
}

func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// WriteGeoJSON writes the problems that have a place as a FeatureCollection, to draw on
// a map beside the data.
func (r *Result) WriteGeoJSON(w io.Writer) error {
	bw := bufio.NewWriter(w)
	bw.WriteString(`{"type":"FeatureCollection","features":[`)
	n := 0
	for _, p := range r.Problems {
		if p.Location == nil {
			continue
		}
		props, err := json.Marshal(map[string]any{"row": p.Row, "field": p.Field, "problem": p.Problem, "value": p.Value, "warning": p.Warning})
		if err != nil {
			return err
		}
		if n > 0 {
			bw.WriteByte(',')
		}
		n++
		fmt.Fprintf(bw, `{"type":"Feature","geometry":%s,"properties":%s}`, p.Location, props)
	}
	bw.WriteString("]}\n")
	return bw.Flush()
}

// Summary is one line saying what the import did or would do.
func (r *Result) Summary(dryRun bool) string {
	switch {
	case r.Errors() > 0:
		return fmt.Sprintf("%d rows read, %d problems: nothing written", r.Rows, r.Errors())
	case r.Inserted+r.Updated+r.Pruned == 0 && (r.Missing == 0 || !dryRun):
		s := fmt.Sprintf("%d rows read: the layer already holds them all, nothing changed", r.Rows)
		if r.Missing > 0 {
			s += fmt.Sprintf(" (%d rows of the layer are not in the file; -prune removes them)", r.Missing)
		}
		return s
	}
	verb := "written"
	if dryRun {
		verb = "would be written (dry run: nothing written)"
	}
	s := fmt.Sprintf("%d rows read: %d new, %d changed, %d unchanged %s", r.Rows, r.Inserted, r.Updated, r.Unchanged, verb)
	if r.Pruned > 0 {
		s += fmt.Sprintf("; %d rows not in the file removed", r.Pruned)
	} else if r.Missing > 0 {
		s += fmt.Sprintf("; %d rows of the layer are not in the file (-prune removes them)", r.Missing)
	}
	return s
}
