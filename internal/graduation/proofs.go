package graduation

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/blob"
)

// SubmitProof deposits a proof file for an item (the student for himself, or the
// office) and moves it to déposé. The content decides its type, never the name: a PDF
// (as the passport's attachments) or a PNG or JPEG image (blob.DetectDocument); the
// size is capped by MaxProof; the content is stored once by checksum.
func (s *Service) SubmitProof(ctx context.Context, p *authz.Principal, uai string, studentID, itemID int64, name string, r io.Reader, c Change) (Item, error) {
	a, err := s.resolve(ctx, p, uai, studentID)
	if err != nil {
		return Item{}, err
	}
	shown := blob.FileName(name, "")
	content, size, done, err := s.randomAccess(r)
	if err != nil {
		return Item{}, err
	}
	defer done()
	if size > s.MaxProof {
		return Item{}, apperr.TooLarge("too_large", "%s is larger than %d MiB", shown, s.MaxProof>>20)
	}
	ctype, err := blob.DetectDocument(content, size)
	if errors.Is(err, blob.ErrUnsupported) {
		return Item{}, apperr.Unsupported("unsupported_proof", "%s is neither a PDF nor a PNG or JPEG image (the content was checked, not the name)", shown).
			With("file", shown)
	}
	if err != nil {
		return Item{}, apperr.Invalid("bad_upload", "the file could not be read").Wrap(err)
	}
	sum, size, err := s.blobs.Put(ctx, io.NewSectionReader(content, 0, size), s.MaxProof)
	if errors.Is(err, blob.ErrTooLarge) {
		return Item{}, apperr.TooLarge("too_large", "%s is larger than %d MiB", shown, s.MaxProof>>20)
	}
	if err != nil {
		return Item{}, apperr.Internal(err)
	}
	c.Action = Submit
	return s.act(ctx, p.Actor(), a, studentID, itemID, c, &proof{name: blob.FileName(name, ctype), ctype: ctype, sum: sum, size: size})
}

// OpenProof returns an item's proof (the student, or staff — audited).
func (s *Service) OpenProof(ctx context.Context, p *authz.Principal, uai string, studentID, itemID int64) (Item, io.ReadCloser, error) {
	a, err := s.resolve(ctx, p, uai, studentID)
	if err != nil {
		return Item{}, nil, err
	}
	it, err := s.item(ctx, a.e.ID, itemID)
	if err != nil || it.StudentID != studentID {
		return Item{}, nil, errItemNotFound
	}
	if !it.HasProof() {
		return Item{}, nil, apperr.NotFound("proof_not_found", "this item has no proof")
	}
	rc, err := s.blobs.Open(ctx, it.proofSum)
	if err != nil {
		return Item{}, nil, apperr.Internal(fmt.Errorf("proof of item %d: %w", it.ID, err))
	}
	if a.staff {
		if err := s.audit.Record(ctx, audit.Event{Action: audit.GraduationProofRead, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
			EstablishmentID: &a.e.ID, Detail: map[string]any{"student_id": studentID, "item_id": itemID}}); err != nil {
			rc.Close()
			return Item{}, nil, err
		}
	}
	return it, rc, nil
}

// randomAccess is blob.RandomAccess within MaxProof, with the pages' errors.
func (s *Service) randomAccess(r io.Reader) (io.ReaderAt, int64, func(), error) {
	content, size, done, err := blob.RandomAccess(r, s.TempDir, s.MaxProof)
	if errors.Is(err, blob.ErrRead) {
		return nil, 0, nil, apperr.Invalid("bad_upload", "the file could not be read").Wrap(err)
	}
	if err != nil {
		return nil, 0, nil, apperr.Internal(err)
	}
	return content, size, done, nil
}
