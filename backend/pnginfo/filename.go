package pnginfo

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// MaxFilenameLen caps a formatted base name in bytes, leaving room under the
// usual 255-byte limit for a "-123" suffix, an extension and temp-file
// prefixes of atomic writes.
const MaxFilenameLen = 120

// promptWordCount is how many words [prompt_words] keeps (A1111's
// directories_max_prompt_words default).
const promptWordCount = 8

// FilenameValues are what FormatFilename patterns can refer to.
type FilenameValues struct {
	Seed int64
	// ModelName may be a path or file name; folders and the extension are
	// dropped.
	ModelName string
	Prompt    string
	// Time gives [date] (2006-01-02) and [time] (150405, no colons so the
	// name is valid on Windows).
	Time   time.Time
	Width  int
	Height int
	Steps  int
}

// FormatFilename expands the tokens [seed] [model_name] [prompt_words] [date]
// [time] [width] [height] [steps] in pattern (case-insensitively; other
// bracketed text is kept as written) and returns a name valid on Windows,
// macOS and Linux (see SanitizeFilename). An empty result becomes "image".
func FormatFilename(pattern string, v FilenameValues) string {
	var b strings.Builder
	for rest := pattern; rest != ""; {
		open := strings.IndexByte(rest, '[')
		if open < 0 {
			b.WriteString(rest)
			break
		}
		b.WriteString(rest[:open])
		rest = rest[open:]
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			b.WriteString(rest)
			break
		}
		if val, ok := tokenValue(strings.ToLower(rest[1:end]), v); ok {
			b.WriteString(val)
		} else {
			b.WriteString(rest[:end+1])
		}
		rest = rest[end+1:]
	}
	return SanitizeFilename(b.String())
}

func tokenValue(token string, v FilenameValues) (string, bool) {
	switch token {
	case "seed":
		return strconv.FormatInt(v.Seed, 10), true
	case "model_name":
		return modelStem(v.ModelName), true
	case "prompt_words":
		return promptWords(v.Prompt), true
	case "date":
		return v.Time.Format("2006-01-02"), true
	case "time":
		return v.Time.Format("150405"), true
	case "width":
		return strconv.Itoa(v.Width), true
	case "height":
		return strconv.Itoa(v.Height), true
	case "steps":
		return strconv.Itoa(v.Steps), true
	}
	return "", false
}

// promptWords keeps the first words of a prompt, split on spaces and
// punctuation as A1111's re_nonletters does; bare numbers (the weights of
// "(word:1.2)") are dropped.
func promptWords(prompt string) string {
	words := strings.FieldsFunc(prompt, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsSymbol(r)
	})
	var kept []string
	for _, w := range words {
		if _, err := strconv.ParseFloat(w, 64); err == nil {
			continue
		}
		kept = append(kept, w)
		if len(kept) == promptWordCount {
			break
		}
	}
	return strings.Join(kept, " ")
}

// SanitizeFilename makes s safe as a file name on every OS: characters
// Windows forbids (/ \ : * ? " < > |) and control characters become "_";
// leading spaces and dots (hidden files) and trailing spaces and dots
// (dropped silently by Windows) are trimmed; the length is capped at
// MaxFilenameLen bytes on a character boundary; Windows' reserved device
// names (CON, NUL, COM1, … even with an extension) get a "_" prefix. An empty
// result becomes "image". The function is idempotent.
func SanitizeFilename(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == utf8.RuneError || unicode.IsControl(r) || strings.ContainsRune(`/\:*?"<>|`, r) {
			return '_'
		}
		return r
	}, s)
	s = strings.TrimLeft(s, " .")
	if len(s) > MaxFilenameLen {
		cut := MaxFilenameLen
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	s = strings.TrimRight(s, " .")
	if s == "" {
		return "image"
	}
	if isReservedWindowsName(s) {
		s = "_" + s
		if len(s) > MaxFilenameLen {
			s = strings.TrimRight(s[:MaxFilenameLen], " .")
		}
	}
	return s
}

// isReservedWindowsName reports names Windows maps to devices: the part
// before the first dot, with trailing spaces ignored, is CON, PRN, AUX, NUL,
// COM0–9 or LPT0–9 (with superscript digits too), any letter case.
func isReservedWindowsName(s string) bool {
	stem, _, _ := strings.Cut(s, ".")
	stem = strings.ToUpper(strings.TrimRight(stem, " "))
	switch stem {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$":
		return true
	}
	if len(stem) >= 4 && (strings.HasPrefix(stem, "COM") || strings.HasPrefix(stem, "LPT")) {
		switch stem[3:] {
		case "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "¹", "²", "³":
			return true
		}
	}
	return false
}

// maxUniqueTries bounds the suffix search so a directory that refuses every
// name (permissions aside) cannot loop forever.
const maxUniqueTries = 100000

// UniquePath reserves a new file in dir named base+ext, or base-1+ext,
// base-2+ext, … for the first name not taken, and returns its path. The
// reservation is the file itself: it is created empty with O_EXCL, so two
// writers (goroutines or processes) never get the same name and an existing
// file is never overwritten. The caller then writes the image over the
// reservation (fsutil.WriteFileAtomic renames onto it) or removes it if the
// write fails. base is passed through SanitizeFilename; ext may be given with
// or without its dot and must not contain a path separator.
func UniquePath(dir, base, ext string) (string, error) {
	if ext != "" && !strings.HasPrefix(ext, ".") {
		ext = "." + ext
	}
	if strings.ContainsAny(ext, `/\`) || SanitizeFilename("x"+ext) != "x"+ext {
		return "", fmt.Errorf("reserve file in %s: invalid extension %q", dir, ext)
	}
	base = SanitizeFilename(base)
	for i := 0; i < maxUniqueTries; i++ {
		name := base + ext
		if i > 0 {
			name = base + "-" + strconv.Itoa(i) + ext
		}
		p := filepath.Join(dir, name)
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("reserve %s: %w", p, err)
		}
		if err := f.Close(); err != nil {
			_ = os.Remove(p)
			return "", fmt.Errorf("reserve %s: %w", p, err)
		}
		return p, nil
	}
	return "", fmt.Errorf("reserve file in %s: %d names starting %q taken", dir, maxUniqueTries, base)
}
