-- Placeholder on branch iss12-grad so that 0010 applies without a gap: the lead deletes
-- this file at merge (the real 0008 comes from another branch).
SELECT 1;
