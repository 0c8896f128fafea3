package com.example.catalog.cache;

import java.util.List;

/**
 * The generations a request read before it looked anything up: their values, as entries
 * are stamped with them, and the scopes they are the counters of (an entry may be stored
 * under the stamp only when its content depends on no scope outside those).
 *
 * @param value the stamp entries are stored and looked up with
 * @param covered the scopes whose counters the stamp holds
 */
record Stamp(String value, List<String> covered) {

}
