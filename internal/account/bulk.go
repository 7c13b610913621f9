package account

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/store"
)

// Person is someone an import creates an account for.
type Person struct {
	FirstName, LastName string
}

var loginLigatures = strings.NewReplacer("œ", "oe", "Œ", "oe", "æ", "ae", "Æ", "ae", "ß", "ss")

// LoginBase derives a login from names: "prénom.nom" in lower-case ASCII, other
// characters turned into dashes ("Zoé", "N'DIAYE LE GOFF" → "zoe.n-diaye-le-goff").
func LoginBase(first, last string) string {
	fold := func(s string) string {
		var b strings.Builder
		dash := false
		for _, r := range norm.NFD.String(loginLigatures.Replace(s)) {
			switch {
			case unicode.Is(unicode.Mn, r):
			case r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
				if dash && b.Len() > 0 {
					b.WriteByte('-')
				}
				dash = false
				b.WriteRune(unicode.ToLower(r))
			default:
				dash = true
			}
		}
		return b.String()
	}
	f, l := fold(first), fold(last)
	if i := strings.IndexByte(f, '-'); i > 0 && len(f) > 20 {
		f = f[:i] // a long compound first name keeps its first part
	}
	base := strings.Trim(f+"."+l, ".-")
	if len(base) > 50 {
		base = strings.TrimRight(base[:50], ".-")
	}
	if len(base) < 2 {
		base = "eleve"
	}
	if base[0] < 'a' || base[0] > 'z' {
		if base[0] < '0' || base[0] > '9' {
			base = "e" + base
		}
	}
	return base
}

// Created is an account created in bulk.
type Created struct {
	ID    int64
	Login string
}

// CreateMany creates pending accounts with one role each, inside the caller's
// transaction (written with COPY on PostgreSQL), choosing for every person a login unique on the platform (LoginBase,
// then LoginBase2, LoginBase3…). No enrolment link is issued: links are made when the
// letters are printed. It returns the accounts in the order of people. A person without
// first or last name is refused (unnamed_person) and nothing is created: an account is
// named after its holder. A name longer than MaxName refuses the
// whole batch too: an import checks its names first, to name the student.
func (s *Service) CreateMany(ctx context.Context, actor authz.Actor, role authz.Membership, people []Person) ([]Created, error) {
	out := make([]Created, len(people))
	if len(people) == 0 {
		return out, nil
	}
	if err := validMembership(role); err != nil {
		return nil, err
	}
	for i, p := range people {
		if strings.TrimSpace(p.FirstName) == "" || strings.TrimSpace(p.LastName) == "" {
			return nil, apperr.Invalid("unnamed_person", "person %d of %d has no first or last name", i+1, len(people))
		}
		if err := apperr.CheckLen("first_name", p.FirstName, MaxName); err != nil {
			return nil, err
		}
		if err := apperr.CheckLen("last_name", p.LastName, MaxName); err != nil {
			return nil, err
		}
	}
	bases := make([]string, len(people))
	distinct := map[string]bool{}
	for i, p := range people {
		bases[i] = LoginBase(p.FirstName, p.LastName)
		distinct[bases[i]] = true
	}
	// Which bases are taken already: one query per 500 bases, then the suffixes of the
	// taken ones.
	taken := map[string]bool{}
	var list []string
	for b := range distinct {
		list = append(list, b)
	}
	for start := 0; start < len(list); start += 500 {
		chunk := list[start:min(start+500, len(list))]
		ph := make([]string, len(chunk))
		args := make([]any, len(chunk))
		for i, b := range chunk {
			ph[i] = "$" + strconv.Itoa(i+1)
			args[i] = b
		}
		err := s.db.Each(ctx, func(rows *sql.Rows) error {
			var l string
			if err := rows.Scan(&l); err != nil {
				return err
			}
			taken[l] = true
			return nil
		}, `SELECT login FROM accounts WHERE login IN (`+strings.Join(ph, ", ")+`)`, args...)
		if err != nil {
			return nil, err
		}
	}
	next := map[string]int{} // next suffix to try per base
	for b := range distinct {
		if !taken[b] {
			continue
		}
		n := 2
		err := s.db.Each(ctx, func(rows *sql.Rows) error {
			var l string
			if err := rows.Scan(&l); err != nil {
				return err
			}
			taken[l] = true
			if k, err := strconv.Atoi(strings.TrimPrefix(l, b)); err == nil && k >= n {
				n = k + 1
			}
			return nil
		}, `SELECT login FROM accounts WHERE login LIKE $1 ESCAPE '\'`, strings.TrimSuffix(store.Like(b), "%")[1:]+"%")
		if err != nil {
			return nil, err
		}
		next[b] = n
	}
	pending := make([]Pending, len(people))
	for i := range people {
		login := bases[i]
		if taken[login] {
			n := max(next[bases[i]], 2)
			for taken[login+strconv.Itoa(n)] {
				n++
			}
			login = login + strconv.Itoa(n)
			next[bases[i]] = n + 1
		}
		taken[login] = true
		pending[i] = Pending{Login: login, DisplayName: strings.TrimSpace(people[i].FirstName + " " + people[i].LastName)}
	}
	ids, err := CopyPending(ctx, s.db, actor, role, pending, s.now())
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i] = Created{ID: ids[i], Login: pending[i].Login}
	}
	return out, nil
}

// Pending is an account to create pending (no enrolment link yet).
type Pending struct {
	Login, DisplayName string
}

// CopyPending writes pending accounts, each with the one role given, set-based (COPY
// on PostgreSQL), inside the transaction ctx carries, and returns their ids in order.
// The logins must be valid and free: CreateMany chooses them; the bulk loader of the
// benchmarks makes them unique.
func CopyPending(ctx context.Context, db *store.DB, actor authz.Actor, role authz.Membership, accounts []Pending, now time.Time) ([]int64, error) {
	var ids []int64
	err := db.Tx(ctx, func(ctx context.Context) error {
		var err error
		if ids, err = db.NextIDs(ctx, "accounts", len(accounts)); err != nil {
			return err
		}
		if _, err := db.CopyFunc(ctx, "accounts", []string{"id", "login", "display_name", "status", "lang", "created_by", "created_at", "updated_at"},
			len(accounts), func(i int) []any {
				return []any{ids[i], accounts[i].Login, accounts[i].DisplayName, "pending", "fr", nullID(actor.ID), now, now}
			}); err != nil {
			return err
		}
		_, err = db.CopyFunc(ctx, "memberships", []string{"account_id", "establishment_id", "role", "created_at"}, len(ids), func(i int) []any {
			return []any{ids[i], nullID(role.EstablishmentID), string(role.Role), now}
		})
		return err
	})
	return ids, err
}
