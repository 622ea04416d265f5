package ogc

import (
	"strconv"
	"strings"
	"unicode"
)

// The tokens of CQL2 text: names, quoted names, strings, numbers, operators, punctuation.

type tokKind int

const (
	tokEOF tokKind = iota
	tokIdent
	tokQuoted // "property name"
	tokString
	tokNumber
	tokOp // = <> < <= > >=
	tokPunct
)

type token struct {
	kind     tokKind
	text     string // an identifier, operator, punctuation; a string's or quoted name's value
	pos, end int
}

func lex(s string) ([]token, error) {
	var out []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(' || c == ')' || c == ',':
			out = append(out, token{tokPunct, s[i : i+1], i, i + 1})
			i++
		case c == '=' || c == '<' || c == '>':
			j := i + 1
			if j < len(s) && (s[j] == '=' || (c == '<' && s[j] == '>')) {
				j++
			}
			out = append(out, token{tokOp, s[i:j], i, j})
			i = j
		case c == '\'' || c == '"':
			var b strings.Builder
			j := i + 1
			for ; ; j++ {
				if j >= len(s) {
					return nil, badInput("filter: the %c opened at character %d is not closed", c, i+1)
				}
				if s[j] == c {
					if j+1 < len(s) && s[j+1] == c { // doubled: the character itself
						b.WriteByte(c)
						j++
						continue
					}
					break
				}
				b.WriteByte(s[j])
			}
			kind := tokString
			if c == '"' {
				kind = tokQuoted
			}
			out = append(out, token{kind, b.String(), i, j + 1})
			i = j + 1
		case c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9'):
			j := i + 1
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.' || s[j] == 'e' || s[j] == 'E' ||
				(s[j] == '-' || s[j] == '+') && (s[j-1] == 'e' || s[j-1] == 'E')) {
				j++
			}
			if _, err := strconv.ParseFloat(s[i:j], 64); err != nil {
				return nil, badInput("filter: %q at character %d is not a number", truncate(s[i:j]), i+1)
			}
			out = append(out, token{tokNumber, s[i:j], i, j})
			i = j
		case c == '_' || c < 0x80 && unicode.IsLetter(rune(c)):
			j := i + 1
			for j < len(s) && (s[j] == '_' || s[j] == ':' || s[j] == '.' || s[j] < 0x80 && (unicode.IsLetter(rune(s[j])) || unicode.IsDigit(rune(s[j])))) {
				j++
			}
			out = append(out, token{tokIdent, s[i:j], i, j})
			i = j
		default:
			return nil, badInput("filter: unexpected character %q at %d", truncate(s[i:i+1]), i+1)
		}
	}
	return append(out, token{kind: tokEOF, pos: len(s), end: len(s)}), nil
}
