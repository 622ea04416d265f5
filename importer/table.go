package importer

import (
	"bufio"
	"encoding/csv"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

// tableSource reads a table whose first row names its columns (CSV, or an XLSX's first
// sheet); coordinates are in columns the mapping names.
type tableSource struct {
	header []string
	next   func() ([]string, error)
	close  func() error
	line   int
}

func (t *tableSource) Columns() []string { return t.header }
func (t *tableSource) Close() error {
	if t.close != nil {
		return t.close()
	}
	return nil
}

func (t *tableSource) Next() (*Record, error) {
	for {
		cells, err := t.next()
		if err != nil {
			return nil, err
		}
		t.line++
		empty := true
		rec := &Record{Row: t.line, Props: make(map[string]string, len(t.header))}
		for i, c := range cells {
			if i < len(t.header) && c != "" {
				rec.Props[t.header[i]] = c
				empty = false
			}
		}
		if !empty {
			return rec, nil
		}
	}
}

func (t *tableSource) readHeader() error {
	h, err := t.next()
	if err == io.EOF {
		return badFile("the table is empty: its first row should name the columns")
	}
	if err != nil {
		return err
	}
	t.line = 1
	for i, c := range h {
		h[i] = strings.TrimSpace(strings.TrimPrefix(c, "\ufeff"))
	}
	t.header = h
	return nil
}

// newCSV reads a CSV in UTF-8 or, when its first 64 KiB are not UTF-8, in GBK (what
// Excel saves on a Chinese Windows).
func newCSV(r io.Reader, closer io.Closer) (*tableSource, bool, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(64 << 10)
	gbk := !utf8.Valid(trimPartialRune(head))
	var in io.Reader = br
	if gbk {
		in = transform.NewReader(br, simplifiedchinese.GBK.NewDecoder())
	}
	cr := csv.NewReader(in)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false
	t := &tableSource{close: closer.Close}
	t.next = func() ([]string, error) {
		rec, err := cr.Read()
		if err != nil && err != io.EOF {
			return nil, lineError(t.line+1, err)
		}
		return rec, err
	}
	return t, gbk, t.readHeader()
}

// trimPartialRune drops a multi-byte character cut at the end of a peeked prefix.
func trimPartialRune(b []byte) []byte {
	for i := 0; i < utf8.UTFMax && len(b) > 0; i++ {
		r, size := utf8.DecodeLastRune(b)
		if r != utf8.RuneError || size != 1 {
			break
		}
		if utf8.Valid(b) {
			break
		}
		b = b[:len(b)-1]
	}
	return b
}

// newXLSX reads the first sheet of a workbook row by row (excelize streams the sheet).
func newXLSX(r io.Reader) (*tableSource, error) {
	f, err := excelize.OpenReader(r)
	if err != nil {
		return nil, badFile("not an XLSX workbook: %v", err)
	}
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		_ = f.Close()
		return nil, badFile("the workbook has no sheet")
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		_ = f.Close()
		return nil, badFile("sheet %s: %v", sheets[0], err)
	}
	t := &tableSource{close: func() error { _ = rows.Close(); return f.Close() }}
	t.next = func() ([]string, error) {
		if !rows.Next() {
			if err := rows.Error(); err != nil {
				return nil, lineError(t.line+1, err)
			}
			return nil, io.EOF
		}
		return rows.Columns()
	}
	return t, t.readHeader()
}
