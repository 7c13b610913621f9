-- Placeholder so that 0012 runs on the branch iss12-minutes (the runner refuses gaps);
-- the lead deletes it at merge, the real 0011 taking its place.
SELECT 1;
