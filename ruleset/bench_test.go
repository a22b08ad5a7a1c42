package ruleset_test

import (
	"bytes"
	"os"
	"testing"

	"github.com/kqlrules/kqlrules"
	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/internal/corpus"
	"github.com/kqlrules/kqlrules/rules"
	"github.com/kqlrules/kqlrules/ruleset"
)

// BenchmarkCorpus matches the Beats corpus (decoded events), per event:
// the FTP rule alone, all the KQL rules of Elastic's repository as a set,
// and the same rules as a loop over their own programs. Compare the three
// in one run.
func BenchmarkCorpus(b *testing.B) {
	rs := corpusRules(b)
	evs := corpusEvents(b)
	ftpText, err := os.ReadFile(corpus.Path(b, "seed/ftp_rule_detection_rules.toml"))
	if err != nil {
		b.Fatal(err)
	}
	ftp, err := rules.ParseTOML("ftp.toml", ftpText)
	if err != nil {
		b.Fatal(err)
	}
	ftpProg, err := kqlrules.Compile(ftp.Query)
	if err != nil {
		b.Fatal(err)
	}
	set, err := ruleset.New(rs)
	if err != nil {
		b.Fatal(err)
	}
	progs := ownPrograms(b, rs)
	perEvent := func(b *testing.B, f func(map[string]any)) {
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			f(evs[n%len(evs)])
			n++
		}
	}
	var sink int
	b.Run("ftp-program", func(b *testing.B) {
		perEvent(b, func(ev map[string]any) {
			if ftpProg.Match(ev) {
				sink++
			}
		})
	})
	dst := make([]int, 0, len(rs))
	b.Run("set", func(b *testing.B) {
		perEvent(b, func(ev map[string]any) { dst = set.MatchMap(ev, dst[:0]) })
	})
	b.Run("programs-loop", func(b *testing.B) {
		perEvent(b, func(ev map[string]any) {
			for _, p := range progs {
				if p.Match(ev) {
					sink++
				}
			}
		})
	})
}

// BenchmarkPass is a whole pass over the Beats corpus as "kqlrules run"
// makes it, per event: read and decode the NDJSON, then match the FTP rule
// alone, all the KQL rules as a set, or all of them as a loop over their
// own programs.
func BenchmarkPass(b *testing.B) {
	rs := corpusRules(b)
	data, err := os.ReadFile(corpus.Path(b, "corpus/beats_events.ndjson"))
	if err != nil {
		b.Fatal(err)
	}
	ftpText, err := os.ReadFile(corpus.Path(b, "seed/ftp_rule_detection_rules.toml"))
	if err != nil {
		b.Fatal(err)
	}
	ftp, err := rules.ParseTOML("ftp.toml", ftpText)
	if err != nil {
		b.Fatal(err)
	}
	ftpProg, err := ftp.Program()
	if err != nil {
		b.Fatal(err)
	}
	set, err := ruleset.New(rs)
	if err != nil {
		b.Fatal(err)
	}
	progs := ownPrograms(b, rs)
	pass := func(b *testing.B, match func(map[string]any)) {
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			for rec, err := range events.Read("beats", bytes.NewReader(data)) {
				if err != nil {
					b.Fatal(err)
				}
				match(rec.Fields)
				n++
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/event")
	}
	var sink int
	b.Run("ftp", func(b *testing.B) {
		pass(b, func(ev map[string]any) {
			if ftpProg.Match(ev) {
				sink++
			}
		})
	})
	var dst []int
	b.Run("set", func(b *testing.B) {
		pass(b, func(ev map[string]any) { dst = set.MatchMap(ev, dst[:0]) })
	})
	b.Run("programs", func(b *testing.B) {
		pass(b, func(ev map[string]any) {
			for _, p := range progs {
				if p.Match(ev) {
					sink++
				}
			}
		})
	})
}

// BenchmarkLazyPass is BenchmarkPass over lazy events, as "kqlrules match
// --rules" makes it, per event: each NDJSON line read as an events.Lazy
// (no decoding), then matched by the FTP program alone or by the set of
// all the KQL rules. Compare the two in one run.
func BenchmarkLazyPass(b *testing.B) {
	rs := corpusRules(b)
	lines := corpus.Lines(b, "corpus/beats_events.ndjson")
	ftpText, err := os.ReadFile(corpus.Path(b, "seed/ftp_rule_detection_rules.toml"))
	if err != nil {
		b.Fatal(err)
	}
	ftp, err := rules.ParseTOML("ftp.toml", ftpText)
	if err != nil {
		b.Fatal(err)
	}
	ftpProg, err := ftp.Program()
	if err != nil {
		b.Fatal(err)
	}
	set, err := ruleset.New(rs)
	if err != nil {
		b.Fatal(err)
	}
	pass := func(b *testing.B, match func(eval.Event)) {
		b.ReportAllocs()
		var lazy events.Lazy
		n := 0
		for b.Loop() {
			for _, l := range lines {
				lazy.Reset(l)
				match(&lazy)
				n++
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/event")
	}
	var sink int
	b.Run("ftp", func(b *testing.B) {
		pass(b, func(e eval.Event) {
			if ftpProg.MatchEvent(e) {
				sink++
			}
		})
	})
	dst := make([]int, 0, len(rs))
	b.Run("set", func(b *testing.B) {
		pass(b, func(e eval.Event) { dst = set.Match(e, dst[:0]) })
	})
}

// BenchmarkLoad loads Elastic's whole rules tree (2,192 files), one op a
// load: compare with Python's tomllib reading the same files (the README
// gives the command).
func BenchmarkLoad(b *testing.B) {
	dir := corpus.Path(b, "detection-rules")
	b.ReportAllocs()
	for b.Loop() {
		files, err := ruleset.Load(dir)
		if err != nil {
			b.Fatal(err)
		}
		if len(files) < 2000 {
			b.Fatalf("%d files", len(files))
		}
	}
}

// BenchmarkLoadSet loads Elastic's whole tree and makes the set of its
// rules, as "kqlrules match --rules" and "run --rules" do before the
// first event: each query parsed and compiled once.
func BenchmarkLoadSet(b *testing.B) {
	dir := corpus.Path(b, "detection-rules")
	b.ReportAllocs()
	for b.Loop() {
		files, err := ruleset.Load(dir)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := ruleset.FromFiles(files); err != nil {
			b.Fatal(err)
		}
	}
}
