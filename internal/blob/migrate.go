package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
)

// MigrateReport counts what Migrate did.
type MigrateReport struct {
	// Copied is the content sent to the destination, Present the content it already
	// held intact.
	Copied, Present int
	// Failed lists the content that could not be copied, with the reason (a damaged
	// source file, a failure of the destination). It is empty after a complete run.
	Failed []MigrateFailure
}

// MigrateFailure is one content Migrate could not copy.
type MigrateFailure struct {
	Sum string
	Err error
}

// Migrate copies every content of from into to, and checks each copy by reading it
// back whole (its SHA-256 must be its name). It is idempotent: content the destination
// already holds intact is read back, not sent again; a damaged copy is replaced. A
// source file that no longer matches its checksum is never copied: it is reported in
// Failed, and so is any content that could not be copied or verified, while the others
// go on. The source is left as it is: removing it is the operator's decision, once the
// service reads from the destination.
//
// progress, when not nil, is called after each content.
func Migrate(ctx context.Context, from *Local, to Store, progress func(MigrateReport)) (MigrateReport, error) {
	var rep MigrateReport
	err := from.Walk(ctx, func(sum string) error {
		copied, err := migrateOne(ctx, from, to, sum)
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case err != nil:
			rep.Failed = append(rep.Failed, MigrateFailure{Sum: sum, Err: err})
		case copied:
			rep.Copied++
		default:
			rep.Present++
		}
		if progress != nil {
			progress(rep)
		}
		return nil
	})
	return rep, err
}

// migrateOne copies sum unless to holds it intact, and reports whether it copied.
func migrateOne(ctx context.Context, from *Local, to Store, sum string) (bool, error) {
	ok, err := to.Exists(ctx, sum)
	if err != nil {
		return false, err
	}
	if ok {
		err := verify(ctx, to, sum)
		if err == nil {
			return false, nil
		}
		if !errors.Is(err, ErrCorrupt) {
			return false, err
		}
		// A damaged copy is worth nothing: removed, then sent again (Put would keep
		// an object of the right size).
		if err := to.Delete(ctx, sum); err != nil {
			return false, err
		}
	}
	rc, err := from.Open(ctx, sum)
	if err != nil {
		return false, err
	}
	defer rc.Close()
	// The source's reader returns ErrCorrupt at EOF on a damaged file, which fails the
	// Put before anything is sent.
	got, _, err := to.Put(ctx, rc, math.MaxInt64)
	if err != nil {
		return false, err
	}
	if got != sum {
		return false, fmt.Errorf("blob: %s stored as %s", sum, got)
	}
	return true, verify(ctx, to, sum)
}

// verify reads sum from s to EOF, which checks its SHA-256.
func verify(ctx context.Context, s Store, sum string) error {
	rc, err := s.Open(ctx, sum)
	if err != nil {
		return err
	}
	defer rc.Close()
	_, err = io.Copy(io.Discard, rc)
	return err
}
