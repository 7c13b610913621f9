package siecle

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzRead feeds arbitrary bytes to every reader of the package: none may
// panic, every failure of Read must be a *FileError (the importer shows it
// to the user as is), and no value over its limit is delivered.
func FuzzRead(f *testing.F) {
	f.Add([]byte(minimal))
	f.Add(withEleves(strings.Repeat("<a>", maxDepth) + strings.Repeat("</a>", maxDepth)))
	f.Add([]byte(`<BEE_ELEVES><PARAMETRES><UAJ>0691234S</UAJ></PARAMETRES><DONNEES><ELEVES><ELEVE ELEVE_ID="1"><ID_NATIONAL>0123456789M</ID_NATIONAL></ELEVE></ELEVES></DONNEES></BEE_ELEVES>`))
	f.Add([]byte(`<?xml version="1.0" encoding="latin9"?><BEE_ELEVES><PARAMETRES><UAJ>0691234S</UAJ></PARAMETRES></BEE_ELEVES>`))
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		err := Read(bytes.NewReader(data), HandlerFuncs{
			OnStudent: func(s Student) error {
				if s.EleveID == "" {
					t.Error("student without ELEVE_ID delivered")
				}
				within(t, MaxEleveID, s.EleveID)
				within(t, MaxName, s.LastName, s.UsageName, s.FirstName, s.FirstName2, s.FirstName3)
				within(t, MaxCode, s.Elenoet, string(s.MEF), s.Statut, s.Regime, s.MotifSortie, s.PreviousUAI, s.INE.Reveal())
				return nil
			},
			OnStructures: func(s StudentStructures) error {
				if len(s.List) > MaxStructures {
					t.Errorf("%d structures delivered", len(s.List))
				}
				for _, x := range s.List {
					within(t, MaxStructure, x.Code, x.Type)
				}
				return nil
			},
			OnParams: func(p Params) error {
				if !ValidUAI(p.UAI) {
					t.Errorf("params with invalid UAI %q delivered", p.UAI)
				}
				return nil
			},
		})
		var fe *FileError
		if err != nil && !errors.As(err, &fe) {
			t.Fatalf("Read error %T is not a *FileError: %v", err, err)
		}
		if rc, err := OpenReader(bytes.NewReader(data), int64(len(data)), 1<<20); err == nil {
			_ = Read(rc, nil)
			_ = rc.Close()
		} else if !errors.As(err, &fe) {
			t.Fatalf("OpenReader error %T is not a *FileError: %v", err, err)
		}
		_ = ReadNomenclature(bytes.NewReader(data), func(m MEFLabel) error {
			within(t, MaxFormation, m.Formation)
			within(t, MaxLabel, m.Label, m.Edition)
			return nil
		})
		_, _ = ReadParams(bytes.NewReader(data))
	})
}

// within checks that no value has more than max characters.
func within(t *testing.T, max int, values ...string) {
	t.Helper()
	for _, v := range values {
		if n := utf8.RuneCountInString(v); n > max {
			t.Errorf("a value of %d characters delivered (limit %d)", n, max)
		}
	}
}

// FuzzCheckINE checks CheckINE's invariants, and that neither its errors nor
// the printed INE ever contain the value.
func FuzzCheckINE(f *testing.F) {
	for _, s := range []string{"", "120345678AB", "0123456789M", "0123456789N", "1234A56789K", "1234D56789K",
		"1A2B3C4D5E6", " 012 345 6789m ", "0123456789é", "12345"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		norm := NormalizeINE(s)
		if NormalizeINE(norm.Reveal()) != norm {
			t.Errorf("NormalizeINE is not idempotent on %q", s)
		}
		for _, ine := range []INE{norm, {v: s}} {
			kind, err := CheckINE(ine)
			switch {
			case err == nil && kind == INEUnknown:
				t.Errorf("%q: no error but unknown kind", ine.Reveal())
			case err != nil && !errors.Is(err, ErrINEKey) && kind != INEUnknown:
				t.Errorf("%q: error %v with kind %v", ine.Reveal(), err, kind)
			case errors.Is(err, ErrINEKey) && kind != INEBEA:
				t.Errorf("%q: key error for kind %v", ine.Reveal(), kind)
			}
			if v := ine.Reveal(); len(v) >= 8 && strings.Count(v, "0")+strings.Count(v, "1")+strings.Count(v, "2")+
				strings.Count(v, "3")+strings.Count(v, "4")+strings.Count(v, "5")+strings.Count(v, "6")+
				strings.Count(v, "7")+strings.Count(v, "8")+strings.Count(v, "9") >= 4 {
				if err != nil && strings.Contains(err.Error(), v) {
					t.Errorf("error %q contains the INE", err)
				}
				if out := fmt.Sprintf("%v %s %q %x %#v", ine, ine, ine, ine, ine); strings.Contains(out, v) {
					t.Errorf("printing leaks: %q", out)
				}
			}
		}
	})
}
