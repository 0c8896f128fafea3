/**
 * The response cache: Redis-backed, knows no domain, and is the only package that talks
 * to Redis.
 * <p>
 * A feature opts a GET in by building a {@link com.example.catalog.cache.CacheKey}
 * (route, normalised parameters, principal for per-user pages, and the invalidation
 * scopes the response depends on) and calling
 * {@link com.example.catalog.cache.ResponseCache#respond} with a loader and the admission
 * a miss must pass first (a client's limit). A write calls
 * {@link com.example.catalog.cache.ResponseCache#invalidate} with the scopes it changed
 * before it answers. Following one request:
 * <ol>
 * <li><b>Near hit.</b> {@code NearHitHttpHandler} sits in front of WebFlux for the routes
 * that declared a {@code CacheableRoute}. It builds the key (remembered per path and
 * query), has {@code StampReads} ask {@code Generations} for the stamp (the values of the
 * counters of the key's scopes: held, or one coalesced read per round trip) and, when
 * {@code NearCache} holds the entry under that stamp, writes its bytes at once: no
 * exchange, filters or controller. When it holds no entry of the key at all, the entry's
 * {@code GET} is sent along with the {@code MGET}, so that a Redis hit or a miss learns
 * what Redis holds without another round trip, and the request does not wait for that
 * answer: it cannot be a near hit, so it goes on through WebFlux at once, carrying the
 * read under way ({@code StampRead.Pending}).</li>
 * <li><b>Near miss.</b> Otherwise the request goes through WebFlux as a
 * {@code StampedRequest} carrying the stamp it read, so {@code ResponseCache.respond}
 * does not read it again; unless Redis held no entry either and {@code KnownRefusals}
 * (the domain's limits) knows the request's client refused now: then the handler writes
 * that refusal itself (for such a client only, it waits for the read of a key it holds no
 * entry of).</li>
 * <li><b>Redis hit.</b> {@code ResponseCache} joins or starts the {@code SingleFlight}
 * for key and stamp; the flight ({@code LeasedLoads}) takes the entry read along with the
 * stamp, or has {@code StoredEntries} {@code GET} it, and when it was stored under this
 * stamp keeps it in the near cache and serves it.</li>
 * <li><b>Miss under lease.</b> No entry: the request's admission (its client's token,
 * {@code RateLimits}) is asked in the round trip of the flight's attempt at the
 * {@code LoadLease} ({@code SET NX PX}); a refusal ends it there (releasing the lease if
 * it was taken; a refusal remembered in memory takes none). Admitted and holding the
 * lease, the flight runs the loader ({@code JsonLoads}: counted, bounded, serialised
 * once), stores the gzip entry with TTL and jitter and answers; other instances that find
 * the lease held poll for the holder's value. A hit close to its expiry starts one such
 * load in the background (refresh ahead), so hot entries do not all miss at once.</li>
 * <li><b>Bypass.</b> Any Redis failure or timeout ({@code GuardedRedis}: timeout, circuit
 * breaker, {@code CacheUnavailableException}) makes the request load from the database
 * instead ({@code UncachedLoads}), sharing loads with concurrent requests for the same
 * key; so does a scope whose invalidation Redis has not confirmed yet.</li>
 * <li><b>Stale.</b> When the load fails because the database does, an entry of the
 * current stamp past its TTL (kept for {@code stale-if-error}) is served, marked
 * stale.</li>
 * </ol>
 * Held generations: {@code CounterReads} reads a set of shared counters under a lease
 * that registers this instance as a holder in Redis, and {@code HeldStamps} keeps the
 * stamp: later requests take it without asking Redis until the lease ends or a write's
 * notice names one of its counters; a timer renews a set that requests used during its
 * lease.
 * <p>
 * Invalidation: {@code Generations.bump} increments the counters of the changed scopes
 * once per change id, in one script ({@code CounterBumps}), with a deadline of its own
 * and retries. The script also publishes the write's notice and answers who holds leases;
 * {@code InvalidationNotices} waits until each holder has acknowledged (having dropped
 * what it held) or its lease has run out before the write completes. Unconfirmed, it
 * fails the write with {@link com.example.catalog.cache.InvalidationUnconfirmedException}
 * and keeps the change pending, bypassing what it touched until Redis confirms it. Once
 * confirmed, {@code Rewarming} loads again the entries it invalidated that this
 * instance's clients read most, in the background and bounded, through the same flight
 * and lease as a reader's miss, so that readers meet fresh entries rather than a wave of
 * misses.
 * <p>
 * Content dependencies: a key may say that its response depends on scopes only its
 * content names ({@code CacheKey.Builder.dependsOnContent}: a listing on the ranges of
 * ids or prices its page covers), and its loader then answers a
 * {@link com.example.catalog.cache.ScopedBody}. {@code ContentDependencies} remembers per
 * response the scopes its last load named, and the request reads their counters with the
 * declared ones (the stamp carries a tag of which). A load that names a scope the request
 * did not read is not stored: a write to it during the load would go unseen. Every
 * request of that flight looks up again with the scopes read, which costs one more load
 * when a page's content moves to other scopes, never a stale answer.
 * <p>
 * Traces: with an exporter, {@code CacheSteps} makes the lookup, lease wait, load and
 * store spans of the request's trace, and {@code NearHitSpans} the server span of a near
 * hit; without one both cost a request nothing but a check.
 */
package com.example.catalog.cache;
