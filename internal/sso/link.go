package sso

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/store"
)

// Origins of a link.
const (
	OriginSelf   = "self"   // the person, after a cartable login
	OriginAdmin  = "admin"  // an administrator
	OriginImport = "import" // an import's column of external identities
)

// Link ties an external identity to an account.
type Link struct {
	ID         int64      `json:"id"`
	Provider   string     `json:"provider"`
	Label      string     `json:"provider_label"`
	ExternalID string     `json:"external_id"`
	AccountID  int64      `json:"account_id"`
	Origin     string     `json:"origin"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
}

const linkColumns = `l.id, p.name, p.label, l.external_id, l.account_id, l.origin, l.created_at, l.last_used_at`

func scanLink(sc interface{ Scan(...any) error }) (Link, error) {
	var l Link
	var last sql.NullTime
	err := sc.Scan(&l.ID, &l.Provider, &l.Label, &l.ExternalID, &l.AccountID, &l.Origin, &l.CreatedAt, &last)
	l.CreatedAt, l.LastUsedAt = l.CreatedAt.UTC(), store.NullTime(last)
	if l.LastUsedAt != nil {
		t := l.LastUsedAt.UTC()
		l.LastUsedAt = &t
	}
	return l, err
}

// linkOf returns the link of an identity, nil when none.
func (s *Service) linkOf(ctx context.Context, providerID int64, external string) (*Link, error) {
	l, err := scanLink(s.db.QueryRow(ctx, `SELECT `+linkColumns+` FROM sso_links l JOIN sso_providers p ON p.id = l.provider_id
		WHERE l.provider_id = $1 AND l.external_id = $2`, providerID, external))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	return &l, err
}

// checkExternal validates an external identity typed by an administrator or read from
// an import.
func checkExternal(ext string) (string, error) {
	ext = strings.TrimSpace(ext)
	if ext == "" {
		return "", apperr.Invalid("external_id_required", "external_id: required")
	}
	if err := apperr.CheckLen("external_id", ext, MaxExternalID); err != nil {
		return "", err
	}
	if !utf8.ValidString(ext) || strings.ContainsFunc(ext, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return "", apperr.Invalid("invalid_external_id", "external_id: no control characters")
	}
	return ext, nil
}

var (
	errIdentityTaken = apperr.Conflict("sso_identity_linked", "this identity is already linked to another account")
	errAlreadyLinked = apperr.Conflict("sso_account_linked", "this account is already linked to an identity of this provider: unlink it first")
)

// insertLink writes a link, or says why not (a conflict error). ON CONFLICT DO NOTHING
// keeps the caller's transaction usable on PostgreSQL, where a failed statement would
// abort it (an import goes on with its next line).
func (s *Service) insertLink(ctx context.Context, prov Provider, accountID int64, ext, origin string, by int64) (*Link, error) {
	var id int64
	err := s.db.QueryRow(ctx, `INSERT INTO sso_links (provider_id, external_id, account_id, origin, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING id`, prov.ID, ext, accountID, origin, audit.ID(by), s.now()).Scan(&id)
	if errors.Is(err, store.ErrNotFound) {
		if l, lerr := s.linkOf(ctx, prov.ID, ext); lerr != nil {
			return nil, lerr
		} else if l != nil {
			return nil, errIdentityTaken
		}
		return nil, errAlreadyLinked
	}
	if err != nil {
		return nil, err
	}
	l, err := scanLink(s.db.QueryRow(ctx, `SELECT `+linkColumns+` FROM sso_links l JOIN sso_providers p ON p.id = l.provider_id WHERE l.id = $1`, id))
	return &l, err
}

// linkSelf ends a link flow: the identity the provider vouched for is linked to the
// account that started it.
func (s *Service) linkSelf(ctx context.Context, prov Provider, accountID int64, ext string) (*Link, error) {
	acc, err := s.accounts.Lookup(ctx, accountID)
	if err != nil {
		return nil, err
	}
	actor := authz.Actor{ID: acc.ID, Login: acc.Login}
	e := event{action: audit.SSOLinkRefused, provider: prov.Name, identity: ext, actor: actor, account: &acc,
		detail: map[string]any{"origin": OriginSelf}}
	var l *Link
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		var err error
		if l, err = s.insertLink(ctx, prov, acc.ID, ext, OriginSelf, acc.ID); err != nil {
			return err
		}
		e.action = audit.SSOLinked
		return s.record(ctx, e)
	})
	if err != nil && apperr.KindOf(err) == apperr.KindConflict {
		e.reason = apperr.CodeOf(err)
		return nil, s.refused(ctx, e, err)
	}
	return l, err
}

// manageable loads an account p may manage (see account.Get): an account he may only
// see is forbidden, one he may not see is not found.
func (s *Service) manageable(ctx context.Context, p *authz.Principal, accountID int64) (account.Account, error) {
	acc, err := s.accounts.Get(ctx, p, accountID)
	if err != nil {
		return acc, err
	}
	if acc.ReadOnly != "" {
		return acc, apperr.Forbidden("account_read_only", "this account also holds roles elsewhere: only a platform administrator links its identities")
	}
	return acc, nil
}

// allowedFor tells whether p may link identities of prov to acc: a platform
// administrator always; an establishment administrator when one of his establishments
// where the account holds a role allows the provider.
func (s *Service) allowedFor(ctx context.Context, p *authz.Principal, acc account.Account, prov Provider) (bool, error) {
	if p.IsPlatformAdmin() {
		return true, nil
	}
	for _, m := range acc.Roles {
		if m.EstablishmentID != 0 && p.Has(authz.RoleAdmin, m.EstablishmentID) {
			ok, err := s.allowed(ctx, m.EstablishmentID, prov.ID)
			if ok || err != nil {
				return ok, err
			}
		}
	}
	return false, nil
}

// Link links an identity of a provider to an account, for an administrator who
// manages the account.
func (s *Service) Link(ctx context.Context, p *authz.Principal, accountID int64, provider, externalID string) (Link, error) {
	ext, err := checkExternal(externalID)
	if err != nil {
		return Link{}, err
	}
	prov, err := s.provider(ctx, provider)
	if err != nil {
		return Link{}, err
	}
	acc, err := s.manageable(ctx, p, accountID)
	if err != nil {
		return Link{}, err
	}
	e := event{action: audit.SSOLinkRefused, provider: prov.Name, identity: ext, actor: p.Actor(), account: &acc,
		detail: map[string]any{"origin": OriginAdmin}}
	if ok, err := s.allowedFor(ctx, p, acc, prov); err != nil {
		return Link{}, err
	} else if !ok {
		e.reason = ReasonProviderNotAllowed
		return Link{}, s.refused(ctx, e, apperr.Forbidden("sso_provider_not_allowed", "your establishment does not allow the identity provider %s", prov.Name).With("provider", prov.Label))
	}
	var l *Link
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		var err error
		if l, err = s.insertLink(ctx, prov, acc.ID, ext, OriginAdmin, p.AccountID); err != nil {
			return err
		}
		e.action = audit.SSOLinked
		return s.record(ctx, e)
	})
	if err != nil {
		if apperr.KindOf(err) == apperr.KindConflict {
			e.reason = apperr.CodeOf(err)
			return Link{}, s.refused(ctx, e, err)
		}
		return Link{}, err
	}
	return *l, nil
}

// ImportLink is one line of an import's column of external identities.
type ImportLink struct {
	Line       int
	AccountID  int64
	ExternalID string
}

// ImportProblem is a line of ImportLinks that was not linked, and why.
type ImportProblem struct {
	Line    int    `json:"line"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// ImportLinks links the identities of an import into establishmentID, whose
// administrator p is, inside the transaction ctx carries (the import's). A line whose
// account holds no role there or that p may not manage, or whose identity is already
// another account's, is left out with a problem (and audited); a link already there is
// kept silently. It never reaches another establishment's account.
func (s *Service) ImportLinks(ctx context.Context, p *authz.Principal, establishmentID int64, provider string, lines []ImportLink) ([]ImportProblem, error) {
	if err := mayManage(p, establishmentID); err != nil {
		return nil, err
	}
	prov, err := s.provider(ctx, provider)
	if err != nil {
		return nil, err
	}
	if ok, err := s.allowed(ctx, establishmentID, prov.ID); err != nil {
		return nil, err
	} else if !ok {
		return nil, apperr.Forbidden("sso_provider_not_allowed", "your establishment does not allow the identity provider %s", prov.Name).With("provider", prov.Label)
	}
	var problems []ImportProblem
	problem := func(line int, err error) {
		e := apperr.As(err)
		problems = append(problems, ImportProblem{Line: line, Code: e.Code, Message: e.Message})
	}
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		for _, in := range lines {
			ext, err := checkExternal(in.ExternalID)
			if err != nil {
				problem(in.Line, err)
				continue
			}
			acc, err := s.manageable(ctx, p, in.AccountID)
			if err == nil && !hasRoleIn(acc, establishmentID) {
				err = apperr.NotFound("account_not_found", "no such account in this establishment")
			}
			e := event{action: audit.SSOLinkRefused, provider: prov.Name, identity: ext, actor: p.Actor(), est: establishmentID,
				detail: map[string]any{"origin": OriginImport, "line": in.Line}}
			if err != nil {
				if apperr.KindOf(err) == apperr.KindInternal {
					return err
				}
				e.reason = apperr.CodeOf(err)
				if err := s.record(ctx, e); err != nil {
					return err
				}
				problem(in.Line, err)
				continue
			}
			e.account = &acc
			if old, err := s.linkOf(ctx, prov.ID, ext); err != nil {
				return err
			} else if old != nil && old.AccountID == acc.ID {
				continue
			}
			if _, err := s.insertLink(ctx, prov, acc.ID, ext, OriginImport, p.AccountID); err != nil {
				if apperr.KindOf(err) != apperr.KindConflict {
					return err
				}
				e.reason = apperr.CodeOf(err)
				if err := s.record(ctx, e); err != nil {
					return err
				}
				problem(in.Line, err)
				continue
			}
			e.action = audit.SSOLinked
			if err := s.record(ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
	return problems, err
}

func hasRoleIn(acc account.Account, establishmentID int64) bool {
	for _, m := range acc.Roles {
		if m.EstablishmentID == establishmentID {
			return true
		}
	}
	return false
}

// Links lists the identities linked to an account: his own, or one an administrator
// may see.
func (s *Service) Links(ctx context.Context, p *authz.Principal, accountID int64) ([]Link, error) {
	if accountID != p.AccountID {
		if _, err := s.accounts.Get(ctx, p, accountID); err != nil {
			return nil, err
		}
	}
	out := []Link{}
	err := s.db.Each(ctx, func(rows *sql.Rows) error {
		l, err := scanLink(rows)
		out = append(out, l)
		return err
	}, `SELECT `+linkColumns+` FROM sso_links l JOIN sso_providers p ON p.id = l.provider_id WHERE l.account_id = $1 ORDER BY p.name`, accountID)
	return out, err
}

// Unlink removes a link: the person's own, or one of an account an administrator
// manages.
func (s *Service) Unlink(ctx context.Context, p *authz.Principal, linkID int64) error {
	return s.db.Tx(ctx, func(ctx context.Context) error {
		l, err := scanLink(s.db.QueryRow(ctx, `SELECT `+linkColumns+` FROM sso_links l JOIN sso_providers p ON p.id = l.provider_id WHERE l.id = $1`, linkID))
		if errors.Is(err, store.ErrNotFound) {
			return apperr.NotFound("sso_link_not_found", "no such link")
		}
		if err != nil {
			return err
		}
		var acc account.Account
		if l.AccountID == p.AccountID {
			acc, err = s.accounts.Lookup(ctx, l.AccountID)
		} else {
			acc, err = s.manageable(ctx, p, l.AccountID)
			if apperr.KindOf(err) == apperr.KindNotFound {
				err = apperr.NotFound("sso_link_not_found", "no such link")
			}
		}
		if err != nil {
			return err
		}
		if _, err := s.db.Exec(ctx, `DELETE FROM sso_links WHERE id = $1`, l.ID); err != nil {
			return err
		}
		return s.record(ctx, event{action: audit.SSOUnlinked, provider: l.Provider, identity: l.ExternalID, actor: p.Actor(), account: &acc,
			detail: map[string]any{"origin": l.Origin}})
	})
}

// maxLinksBatch is how many accounts one query of LinksOfAccounts names.
const maxLinksBatch = 500

// LinksOfAccounts lists the identities linked to accounts an administrator listed
// (account.Service.List for p, which checks what p may see), by account then provider.
func (s *Service) LinksOfAccounts(ctx context.Context, p *authz.Principal, accs []account.Account) ([]Link, error) {
	if !p.IsPlatformAdmin() && len(p.Establishments(authz.RoleAdmin)) == 0 {
		return nil, errNotAdmin
	}
	out := []Link{}
	for from := 0; from < len(accs); from += maxLinksBatch {
		batch := accs[from:min(from+maxLinksBatch, len(accs))]
		args := make([]any, len(batch))
		marks := make([]string, len(batch))
		for i, a := range batch {
			args[i] = a.ID
			marks[i] = fmt.Sprintf("$%d", i+1)
		}
		err := s.db.Each(ctx, func(rows *sql.Rows) error {
			l, err := scanLink(rows)
			out = append(out, l)
			return err
		}, `SELECT `+linkColumns+` FROM sso_links l JOIN sso_providers p ON p.id = l.provider_id
			WHERE l.account_id IN (`+strings.Join(marks, ", ")+`) ORDER BY l.account_id, p.name`, args...)
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
