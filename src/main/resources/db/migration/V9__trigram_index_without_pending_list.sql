-- The trigram index takes each written name into its tree at once, instead of into a list of
-- pending entries (GIN's fastupdate, on by default) that every search reads from end to end
-- until a VACUUM, or the list's reaching gin_pending_list_limit (4 MB), merges it. Pending
-- entries made searches cost what the last writes had left there, not what the search finds:
-- on 10,000 items inserted after the index was built, a search that matches nothing read 143
-- pages of the list and took 1.0-1.4 ms (the planner, seeing the list, often scanned the table
-- instead), against 13 pages and 0.05 ms without it; a 4 MB list is about 500 pages. A write
-- pays for it: 0.12 ms more per INSERT or UPDATE of an item (0.50 -> 0.63 ms, pgbench, one
-- client; README, "Searches that do not read what writes left behind").
ALTER INDEX items_name_folded_trgm_idx SET (fastupdate = off);

-- Setting it does not merge what is already pending. PERFORM, not SELECT: Flyway would print
-- a SELECT's result in the service's log.
DO $$
BEGIN
    PERFORM gin_clean_pending_list('items_name_folded_trgm_idx'::regclass);
END
$$;
