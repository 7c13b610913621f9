package transfer

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// MovedAway returns, among the given students of an establishment, those whose records a
// transfer already took to another establishment, with that establishment's UAI. The
// importer asks it (through app.New) so that a re-import reactivating one of them says
// so, in the dry run first (issue 10).
func (s *Service) MovedAway(ctx context.Context, establishmentID int64, studentIDs []int64) (map[int64]string, error) {
	out := map[int64]string{}
	for start := 0; start < len(studentIDs); start += 1000 {
		chunk := studentIDs[start:min(start+1000, len(studentIDs))]
		ph := make([]string, len(chunk))
		args := []any{establishmentID}
		for i, id := range chunk {
			ph[i] = fmt.Sprintf("$%d", i+2)
			args = append(args, id)
		}
		err := s.db.Each(ctx, func(rows *sql.Rows) error {
			var id int64
			var to string
			if err := rows.Scan(&id, &to); err != nil {
				return err
			}
			out[id] = to
			return nil
		}, `SELECT from_student_id, to_uai FROM transfers WHERE kind = 'transfer' AND from_establishment_id = $1
			AND from_student_id IN (`+strings.Join(ph, ", ")+`) ORDER BY id`, args...)
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
