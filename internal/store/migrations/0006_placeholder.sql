-- Placeholder for the migration 0006 of another branch (issue 9: 0007 was given to the
-- message catalogue's). It changes nothing; delete it when that branch's 0006 lands, or
-- renumber 0007 to 0006 if none does. The versions must follow each other without gaps.
SELECT 1;
