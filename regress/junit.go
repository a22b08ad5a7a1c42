package regress

import (
	"encoding/xml"
	"io"
	"slices"
	"strings"
)

// JUnit is a JUnit XML report, in the form CI systems (Jenkins, GitLab,
// GitHub test reporters) read: <testsuites> holding <testsuite>s of
// <testcase>s, each passed, failed, in error or skipped. Build it with
// NewJUnit, which fills the counts.
type JUnit struct {
	XMLName  xml.Name    `xml:"testsuites"`
	Name     string      `xml:"name,attr,omitempty"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Suites   []TestSuite `xml:"testsuite"`
}

// TestSuite is one <testsuite>.
type TestSuite struct {
	Name     string     `xml:"name,attr"`
	Tests    int        `xml:"tests,attr"`
	Failures int        `xml:"failures,attr"`
	Errors   int        `xml:"errors,attr"`
	Skipped  int        `xml:"skipped,attr"`
	Cases    []TestCase `xml:"testcase"`
}

// TestCase is one <testcase>: it passed when Failure, Error and Skipped
// are all nil.
type TestCase struct {
	Name      string `xml:"name,attr"`
	ClassName string `xml:"classname,attr"`
	// File is the file the case tests (an attribute GitLab and others
	// show as a link).
	File    string   `xml:"file,attr,omitempty"`
	Failure *Outcome `xml:"failure"`
	Error   *Outcome `xml:"error"`
	Skipped *Outcome `xml:"skipped"`
}

// Outcome is a <failure>, <error> or <skipped> element: a one-line
// message and, for failures and errors, the details as text (written as
// CDATA, so that its lines stay lines).
type Outcome struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",cdata"`
}

// NewJUnit returns a report of one test suite named name with the cases,
// counts filled.
func NewJUnit(name string, cases []TestCase) *JUnit {
	s := TestSuite{Name: name, Tests: len(cases), Cases: cases}
	for _, c := range cases {
		switch {
		case c.Error != nil:
			s.Errors++
		case c.Failure != nil:
			s.Failures++
		case c.Skipped != nil:
			s.Skipped++
		}
	}
	return &JUnit{
		Name: name, Tests: s.Tests, Failures: s.Failures, Errors: s.Errors, Skipped: s.Skipped,
		Suites: []TestSuite{s},
	}
}

// Write writes the report as an XML document, indented. Characters that
// XML cannot hold (control characters other than tab, newline and
// carriage return) become U+FFFD.
func (j *JUnit) Write(w io.Writer) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(j.xmlSafe()); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// xmlSafe returns a copy of the report whose texts hold only characters
// XML allows; encoding/xml escapes attributes itself but writes CDATA as
// it is.
func (j *JUnit) xmlSafe() *JUnit {
	c := *j
	c.Suites = slices.Clone(j.Suites)
	for i := range c.Suites {
		s := &c.Suites[i]
		s.Cases = slices.Clone(s.Cases)
		for k := range s.Cases {
			tc := &s.Cases[k]
			tc.Failure, tc.Error, tc.Skipped = safeOutcome(tc.Failure), safeOutcome(tc.Error), safeOutcome(tc.Skipped)
		}
	}
	return &c
}

func safeOutcome(o *Outcome) *Outcome {
	if o == nil {
		return nil
	}
	c := *o
	c.Text = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' || r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF {
			return r
		}
		return '\uFFFD'
	}, o.Text)
	return &c
}
