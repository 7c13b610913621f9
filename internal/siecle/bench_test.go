package siecle

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
)

// BenchmarkRead parses generated exports held in memory (generated once per
// size) and reports students/s next to the usual ns/op and MB/s.
func BenchmarkRead(b *testing.B) {
	for _, n := range []int{2_000, 10_000} {
		var buf bytes.Buffer
		if err := Generate(&buf, GenOptions{Students: n, Seed: 1, LeftPercent: 5}); err != nil {
			b.Fatal(err)
		}
		data := buf.Bytes()
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			iters := 0
			for b.Loop() {
				count := 0
				err := Read(bytes.NewReader(data), HandlerFuncs{OnStudent: func(Student) error { count++; return nil }})
				if err != nil || count != n {
					b.Fatalf("read %d students: %v", count, err)
				}
				iters++
			}
			b.ReportMetric(float64(n*iters)/b.Elapsed().Seconds(), "students/s")
		})
	}
}

// BenchmarkTokenizer measures the XML tokenizer alone on the 10,000-student
// export: every token read, character data checked but not kept.
func BenchmarkTokenizer(b *testing.B) {
	var buf bytes.Buffer
	if err := Generate(&buf, GenOptions{Students: 10_000, Seed: 1, LeftPercent: 5}); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		t := newTokenizer(bytes.NewReader(data))
		for {
			k, err := t.next(skipText)
			if err != nil {
				b.Fatal(err)
			}
			if k == tokEOF {
				break
			}
		}
	}
}

// BenchmarkReadMemory100k streams a 100,000-student export from a file
// (written once, streamed too) and reports the heap the reader holds: the
// largest live heap after a forced GC, sampled every 10,000 students, above
// the heap before reading. It shows that memory does not grow with the file
// (only the ELEVE_ID set does).
func BenchmarkReadMemory100k(b *testing.B) {
	const n = 100_000
	path := filepath.Join(b.TempDir(), "ElevesSansAdresses.xml")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := Generate(f, GenOptions{Students: n, Seed: 1, LeftPercent: 5}); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Run(strconv.Itoa(n), func(b *testing.B) {
		b.SetBytes(fi.Size())
		b.ReportAllocs()
		var ms runtime.MemStats
		var live, peakAlloc uint64
		iters := 0
		for b.Loop() {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			base := ms.HeapAlloc
			rc, err := Open(path)
			if err != nil {
				b.Fatal(err)
			}
			count := 0
			err = Read(rc, HandlerFuncs{OnStudent: func(Student) error {
				count++
				if count%1_000 == 0 {
					runtime.ReadMemStats(&ms)
					peakAlloc = max(peakAlloc, ms.HeapAlloc-min(base, ms.HeapAlloc))
				}
				if count%10_000 == 0 {
					runtime.GC()
					runtime.ReadMemStats(&ms)
					live = max(live, ms.HeapAlloc-min(base, ms.HeapAlloc))
				}
				return nil
			}})
			_ = rc.Close()
			if err != nil || count != n {
				b.Fatalf("read %d students: %v", count, err)
			}
			iters++
		}
		b.ReportMetric(float64(live)/(1<<20), "live-heap-MiB")
		b.ReportMetric(float64(peakAlloc)/(1<<20), "peak-heap-MiB")
		b.ReportMetric(float64(fi.Size())/(1<<20), "file-MiB")
		b.ReportMetric(float64(n*iters)/b.Elapsed().Seconds(), "students/s")
	})
}

// BenchmarkGenerate measures the generator alone.
func BenchmarkGenerate(b *testing.B) {
	const n = 10_000
	b.ReportAllocs()
	iters := 0
	for b.Loop() {
		if err := Generate(io.Discard, GenOptions{Students: n, Seed: 1, LeftPercent: 5}); err != nil {
			b.Fatal(err)
		}
		iters++
	}
	b.ReportMetric(float64(n*iters)/b.Elapsed().Seconds(), "students/s")
}
