-- Every committed change to items or favorites is announced on the channel catalog_changes,
-- whoever made it (the service or plain SQL): one notification per statement, delivered to
-- every listening instance at commit, which invalidates the cached pages it touched. The
-- change is named by its transaction, as the service's own writes name it, so that an
-- invalidation the writer already made is not made again.

CREATE FUNCTION catalog_announce_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids        jsonb;
    categories jsonb;
    principals jsonb;
    payload    jsonb;
BEGIN
    payload := jsonb_build_object('change', pg_current_xact_id()::text, 'table', TG_TABLE_NAME, 'op', TG_OP,
        'at', (extract(epoch FROM clock_timestamp()) * 1000)::bigint);
    IF TG_OP = 'TRUNCATE' THEN
        payload := payload || jsonb_build_object('everything', true);
    ELSIF TG_TABLE_NAME = 'items' THEN
        IF TG_OP = 'INSERT' THEN
            SELECT jsonb_agg(DISTINCT id), jsonb_agg(DISTINCT category) INTO ids, categories FROM new_rows;
        ELSIF TG_OP = 'UPDATE' THEN
            SELECT jsonb_agg(DISTINCT id), jsonb_agg(DISTINCT category) INTO ids, categories
            FROM (SELECT id, category FROM new_rows UNION ALL SELECT id, category FROM old_rows) changed;
        ELSE
            SELECT jsonb_agg(DISTINCT id), jsonb_agg(DISTINCT category) INTO ids, categories FROM old_rows;
        END IF;
        IF ids IS NULL THEN
            RETURN NULL;
        END IF;
        payload := payload || jsonb_build_object('ids', ids, 'categories', categories);
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
        payload := (payload - 'ids' - 'categories' - 'principals') || jsonb_build_object('everything', true);
    END IF;
    PERFORM pg_notify('catalog_changes', payload::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER items_announce_insert AFTER INSERT ON items REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_announce_change();
CREATE TRIGGER items_announce_update AFTER UPDATE ON items REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_announce_change();
CREATE TRIGGER items_announce_delete AFTER DELETE ON items REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_announce_change();
CREATE TRIGGER items_announce_truncate AFTER TRUNCATE ON items
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_announce_change();

CREATE TRIGGER favorites_announce_insert AFTER INSERT ON favorites REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_announce_change();
CREATE TRIGGER favorites_announce_update AFTER UPDATE ON favorites REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_announce_change();
CREATE TRIGGER favorites_announce_delete AFTER DELETE ON favorites REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_announce_change();
CREATE TRIGGER favorites_announce_truncate AFTER TRUNCATE ON favorites
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_announce_change();
