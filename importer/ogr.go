package importer

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// ogrFile is a Shapefile or GeoPackage read through GDAL's ogr2ogr, the tool every GIS
// department has: it converts the layer to GeoJSON features on a pipe (GeoJSONSeq),
// reprojected to WGS84 when the file says what it is in (a .prj, the GeoPackage's SRS)
// or -crs does, which this package then streams.
type ogrFile struct {
	*geoJSONSource
	cmd    *exec.Cmd
	stderr *bytes.Buffer
	path   string
}

// ogrInfo is what was learnt about a file before reading it.
type ogrInfo struct {
	Encoding string // the .dbf's text encoding, and how it was found
	HasSRS   bool   // the file names its CRS (.prj, GeoPackage)
}

func openOGR(ctx context.Context, path string, srid int) (*ogrFile, ogrInfo, error) {
	if _, err := exec.LookPath("ogr2ogr"); err != nil {
		return nil, ogrInfo{}, fmt.Errorf("reading %s needs GDAL's ogr2ogr: run scripts/gdal.sh (make run does) or apt-get install gdal-bin", filepath.Ext(path))
	}
	info := ogrInfo{HasSRS: true}
	args := []string{"-f", "GeoJSONSeq", "/vsistdout/", path, "-lco", "RS=NO"}
	if strings.EqualFold(filepath.Ext(path), ".shp") {
		base := strings.TrimSuffix(path, filepath.Ext(path))
		_, err := os.Stat(base + ".prj")
		info.HasSRS = err == nil
		enc, how, err := dbfEncoding(base)
		if err != nil {
			return nil, info, err
		}
		info.Encoding = how
		if enc != "" {
			args = append(args, "-oo", "ENCODING="+enc)
		}
	}
	if srid != 0 {
		args = append(args, "-s_srs", fmt.Sprintf("EPSG:%d", srid))
		info.HasSRS = true
	}
	if info.HasSRS {
		args = append(args, "-t_srs", "EPSG:4326")
	}
	cmd := exec.CommandContext(ctx, "ogr2ogr", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &limitedWriter{w: &stderr, n: 8 << 10}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, info, err
	}
	if err := cmd.Start(); err != nil {
		return nil, info, fmt.Errorf("start ogr2ogr: %w", err)
	}
	return &ogrFile{geoJSONSource: newGeoJSON(out, nil, true), cmd: cmd, stderr: &stderr, path: path}, info, nil
}

func (o *ogrFile) Next() (*Record, error) {
	r, err := o.geoJSONSource.Next()
	if err == io.EOF {
		if werr := o.cmd.Wait(); werr != nil {
			return nil, badFile("GDAL could not read %s: %s", filepath.Base(o.path), lastLine(o.stderr.String()))
		}
		o.cmd = nil
	}
	return r, err
}

func (o *ogrFile) Close() error {
	if o.cmd != nil && o.cmd.Process != nil {
		_ = o.cmd.Process.Kill()
		_ = o.cmd.Wait()
	}
	return nil
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

type limitedWriter struct {
	w io.Writer
	n int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if l.n > 0 {
		k := min(len(p), l.n)
		l.n -= k
		_, _ = l.w.Write(p[:k])
	}
	return len(p), nil
}

// dbfEncoding decides how GDAL should read a Shapefile's .dbf text: as its .cpg says
// (GDAL reads that itself), else as its language-driver byte says, else by looking: text
// that is not UTF-8 is taken for GBK (CP936), what Chinese departments' software writes.
func dbfEncoding(base string) (enc, how string, err error) {
	for _, ext := range []string{".cpg", ".CPG"} {
		if b, err := os.ReadFile(base + ext); err == nil {
			return "", "from the .cpg (" + strings.TrimSpace(string(b)) + ")", nil
		}
	}
	f, err := os.Open(base + ".dbf")
	if err != nil {
		f, err = os.Open(base + ".DBF")
	}
	if err != nil {
		return "", "", badFile("the Shapefile has no .dbf beside it")
	}
	defer f.Close()
	var hdr [32]byte
	if _, err := io.ReadFull(f, hdr[:]); err != nil {
		return "", "", badFile("the .dbf is too short to be one")
	}
	if hdr[29] != 0 {
		return "", fmt.Sprintf("from the .dbf's language driver (0x%02X)", hdr[29]), nil
	}
	headerLen := int64(binary.LittleEndian.Uint16(hdr[8:10]))
	if _, err := f.Seek(headerLen, io.SeekStart); err != nil {
		return "", "", badFile("the .dbf's header is damaged")
	}
	buf := make([]byte, 1<<20)
	n, _ := io.ReadFull(f, buf)
	buf = trimPartialRune(buf[:n])
	switch {
	case !utf8.Valid(buf):
		return "CP936", "GBK (unmarked, detected: not UTF-8)", nil
	case bytes.IndexFunc(buf, func(r rune) bool { return r >= 0x80 }) >= 0:
		return "UTF-8", "UTF-8 (unmarked, detected)", nil
	}
	return "", "ASCII", nil
}
