-- A change to items is announced with the prices its rows had and have, besides their ids
-- and categories: listings without a category depend on the ranges of ids or prices their
-- page covers (CatalogScopes.ofListing), and a change invalidates the ranges it touched.
-- The writer names the same ranges, so that a change it already invalidated is still
-- recognised as the same change and not applied again.

CREATE OR REPLACE FUNCTION catalog_announce_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids        jsonb;
    categories jsonb;
    prices     jsonb;
    principals jsonb;
    payload    jsonb;
BEGIN
    payload := jsonb_build_object('change', pg_current_xact_id()::text, 'table', TG_TABLE_NAME, 'op', TG_OP,
        'at', (extract(epoch FROM clock_timestamp()) * 1000)::bigint);
    IF TG_OP = 'TRUNCATE' THEN
        payload := payload || jsonb_build_object('everything', true);
    ELSIF TG_TABLE_NAME = 'items' THEN
        IF TG_OP = 'INSERT' THEN
            SELECT jsonb_agg(DISTINCT id), jsonb_agg(DISTINCT category), jsonb_agg(DISTINCT price_cents)
            INTO ids, categories, prices FROM new_rows;
        ELSIF TG_OP = 'UPDATE' THEN
            SELECT jsonb_agg(DISTINCT id), jsonb_agg(DISTINCT category), jsonb_agg(DISTINCT price_cents)
            INTO ids, categories, prices
            FROM (SELECT id, category, price_cents FROM new_rows
                  UNION ALL SELECT id, category, price_cents FROM old_rows) changed;
        ELSE
            SELECT jsonb_agg(DISTINCT id), jsonb_agg(DISTINCT category), jsonb_agg(DISTINCT price_cents)
            INTO ids, categories, prices FROM old_rows;
        END IF;
        IF ids IS NULL THEN
            RETURN NULL;
        END IF;
        payload := payload || jsonb_build_object('ids', ids, 'categories', categories, 'prices', prices);
    ELSE
        IF TG_OP = 'INSERT' THEN
            SELECT jsonb_agg(DISTINCT principal) INTO principals FROM new_rows;
        ELSIF TG_OP = 'UPDATE' THEN
            SELECT jsonb_agg(DISTINCT principal) INTO principals
            FROM (SELECT principal FROM new_rows UNION ALL SELECT principal FROM old_rows) changed;
        ELSE
            SELECT jsonb_agg(DISTINCT principal) INTO principals FROM old_rows;
        END IF;
        IF principals IS NULL THEN
            RETURN NULL;
        END IF;
        payload := payload || jsonb_build_object('principals', principals);
    END IF;
    -- A notification carries at most 8000 bytes: a bulk change is announced as one that
    -- touched everything of its table, which costs one invalidation, not one per row.
    IF length(payload::text) > 7900 THEN
        payload := (payload - 'ids' - 'categories' - 'prices' - 'principals') || jsonb_build_object('everything', true);
    END IF;
    PERFORM pg_notify('catalog_changes', payload::text);
    RETURN NULL;
END
$$;
