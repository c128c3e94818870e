// Package jsonesc escapes a string's bytes for a JSON string, as encoding/json or log/slog do.
package jsonesc

import "unicode/utf8"

// Every function here appends s's escaped bytes without the surrounding quotes. They share
// one escaper and differ only by its table: each escapes quote, backslash and the control
// characters, writes invalid UTF-8 as \ufffd, and escapes U+2028 and U+2029 (JavaScript line
// terminators), as both encoding/json and log/slog do.

// Append escapes s as encoding/json does with SetEscapeHTML(false): \n, \r, \t, \b and \f
// by name, the other control characters as \u00XX, <, > and & as they are. The mock's API
// answers are written so.
func Append(b []byte, s string) []byte { return appendEscaped(b, s, &jsonTable) }

// AppendHTML escapes s as json.Marshal does (HTML escaping on): as Append, and <, > and &
// as \u003c, \u003e and \u0026. It is a second table because encoding/json's default output
// is HTML-safe and seeds and state files are written byte for byte as json.Marshal writes
// them, while the API's answers are not.
func AppendHTML(b []byte, s string) []byte { return appendEscaped(b, s, &htmlTable) }

// AppendSlog escapes s as log/slog's JSONHandler does: as Append, except that \b and \f are
// written \u0008 and \u000c. It is a third table because slog has its own escaper
// (appendEscapedJSONString), which names only \n, \r and \t, and the access log's lines are
// byte for byte slog's.
func AppendSlog(b []byte, s string) []byte { return appendEscaped(b, s, &slogTable) }

// A table says for each byte how it is written: as it is (0), as a backslash and the named
// character ('"', '\\', 'n', 'r', 't', 'b', 'f'), as \u00XX ('u'), or, for a byte of a
// multi-byte sequence, decoded first (multi).
type table [256]byte

const multi = 1

var jsonTable, htmlTable, slogTable = tables()

func tables() (json, html, slog table) {
	for c := range 0x20 {
		json[c] = 'u'
	}
	json['\n'], json['\r'], json['\t'], json['\b'], json['\f'] = 'n', 'r', 't', 'b', 'f'
	json['"'], json['\\'] = '"', '\\'
	for c := utf8.RuneSelf; c < 256; c++ {
		json[c] = multi
	}
	html, slog = json, json
	html['<'], html['>'], html['&'] = 'u', 'u', 'u'
	slog['\b'], slog['\f'] = 'u', 'u'
	return json, html, slog
}

// appendEscaped is the one escaper. Its fast path is a loop over bytes written as they are,
// appended in one piece.
func appendEscaped(b []byte, s string, t *table) []byte {
	const hex = "0123456789abcdef"
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		e := t[c]
		if e == 0 {
			i++
			continue
		}
		if e != multi {
			b = append(b, s[start:i]...)
			if e == 'u' {
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			} else {
				b = append(b, '\\', e)
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	return append(b, s[start:]...)
}
