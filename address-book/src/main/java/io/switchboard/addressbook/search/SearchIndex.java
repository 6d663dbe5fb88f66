package io.switchboard.addressbook.search;

import io.switchboard.addressbook.domain.AddressEntry;
import io.switchboard.addressbook.domain.Attribute;
import io.switchboard.addressbook.numbers.Normalization;
import io.switchboard.addressbook.numbers.NumberRules;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Prefix search over one version of the address book (issue 14, item 6): display name (and each of its
 * words), given name, surname, mail, SIP URI (without {@code sip:}) and the normalized phone numbers.
 * Text is compared case- and accent-insensitively ({@link #fold}: "Zoë" is found by "zoe"). A query that looks
 * like a phone number is normalized with the same rules as the directory's numbers, as a prefix: "020" under
 * the rule {@code ^0(\d{9})$ -> +31$1} becomes "+3120" and finds "+31 20 ...".
 *
 * <p>The keys are kept in one sorted array, so a query costs three binary searches plus the matches. Results
 * are ranked: entries with a key equal to the query first, then those with a key that starts with it; within
 * a rank by display name, then id.
 */
public final class SearchIndex {

    public static final int PAGE_SIZE = 50;

    private static final byte EXACT = 1;
    private static final byte PREFIX = 2;
    public static final int MAX_QUERY = 100;

    private static final Pattern MARKS = Pattern.compile("\\p{M}+");
    private static final Pattern PHONE_LIKE = Pattern.compile("[+]?[0-9 ()./\\-]*[0-9][0-9 ()./\\-]*");
    private static final Pattern NOT_DIGITS = Pattern.compile("[^0-9+]");

    private final List<AddressEntry> entries;
    private final String[] keys;
    private final int[] owners;
    /** Entry index at each place of the name order, and each entry's place in it. */
    private final int[] byPosition;

    private final int[] position;
    private final NumberRules rules;

    private SearchIndex(List<AddressEntry> entries, String[] keys, int[] owners, NumberRules rules) {
        this.entries = entries;
        this.keys = keys;
        this.owners = owners;
        this.rules = rules;
        String[] sortNames = entries.stream()
                .map(e -> fold(e.get(Attribute.DISPLAY_NAME).orElse("")))
                .toArray(String[]::new);
        // the order results are listed in within a rank, fixed once per version: by display name, then id
        this.byPosition = java.util.stream.IntStream.range(0, entries.size())
                .boxed()
                .sorted(Comparator.<Integer, String>comparing(i -> sortNames[i])
                        .thenComparing(i -> entries.get(i).id()))
                .mapToInt(Integer::intValue)
                .toArray();
        this.position = new int[entries.size()];
        for (int p = 0; p < byPosition.length; p++) {
            position[byPosition[p]] = p;
        }
    }

    public static SearchIndex build(Collection<AddressEntry> book, NumberRules rules) {
        List<AddressEntry> entries = List.copyOf(book);
        List<Map.Entry<String, Integer>> pairs = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            for (String key : keys(entries.get(i))) {
                pairs.add(Map.entry(key, i));
            }
        }
        pairs.sort(Map.Entry.comparingByKey());
        String[] keys = new String[pairs.size()];
        int[] owners = new int[pairs.size()];
        for (int i = 0; i < pairs.size(); i++) {
            keys[i] = pairs.get(i).getKey();
            owners[i] = pairs.get(i).getValue();
        }
        return new SearchIndex(entries, keys, owners, rules);
    }

    private static Set<String> keys(AddressEntry e) {
        Set<String> keys = new LinkedHashSet<>();
        e.get(Attribute.DISPLAY_NAME).ifPresent(name -> {
            String folded = fold(name);
            keys.add(folded);
            keys.addAll(Arrays.asList(folded.split("[\\s,.\\-()]+")));
        });
        e.get(Attribute.GIVEN_NAME).map(SearchIndex::fold).ifPresent(keys::add);
        e.get(Attribute.SURNAME).map(SearchIndex::fold).ifPresent(keys::add);
        e.get(Attribute.MAIL).map(SearchIndex::fold).ifPresent(keys::add);
        e.get(Attribute.SIP_URI)
                .map(SearchIndex::fold)
                .map(s -> s.startsWith("sip:") ? s.substring(4) : s)
                .ifPresent(keys::add);
        for (Attribute phone : List.of(Attribute.TELEPHONE, Attribute.MOBILE, Attribute.HOME)) {
            e.get(phone)
                    .map(p -> p.contains(";") ? p.substring(0, p.indexOf(';')) : p)
                    .ifPresent(keys::add);
        }
        keys.remove("");
        return keys;
    }

    /** Lower case, accents removed (NFD, combining marks dropped), white space collapsed. */
    public static String fold(String text) {
        String decomposed = Normalizer.normalize(text.strip(), Normalizer.Form.NFD);
        return MARKS.matcher(decomposed).replaceAll("").toLowerCase(Locale.ROOT).replaceAll("\\s+", " ");
    }

    /** A query that is not acceptable: the reason, for a 400. */
    public static final class BadQuery extends IllegalArgumentException {
        public BadQuery(String message) {
            super(message);
        }
    }

    public enum Rank {
        EXACT,
        PREFIX
    }

    public record Hit(AddressEntry entry, Rank rank) {}

    /** One page of results; {@code total} counts all matching entries, {@code page} is 1-based. */
    public record Page(String query, List<String> searchedFor, int page, int total, List<Hit> hits) {}

    public Page search(String query, int page) {
        validate(query, page);
        List<String> terms = terms(query);
        // best rank per matching entry: 0 none, 1 exact, 2 prefix; an array per query is cheaper than boxing a map
        // entry for each of the tens of thousands of matches a one-letter query has
        byte[] best = new byte[entries.size()];
        int[] found = new int[16];
        int matched = 0;
        int exact = 0;
        for (String term : terms) {
            // the keys that start with the term are one run of the sorted array, those equal to it its head:
            // two more binary searches, and no string compared per key
            int from = lowerBound(term);
            int exactEnd = lowerBound(term + '\u0000');
            int to = lowerBound(term + '\uffff');
            for (int i = from; i < to; i++) {
                int owner = owners[i];
                byte was = best[owner];
                if (was == 0) {
                    if (matched == found.length) {
                        found = Arrays.copyOf(found, matched * 2);
                    }
                    found[matched++] = owner;
                }
                if (i < exactEnd && was != EXACT) {
                    best[owner] = EXACT;
                    exact++;
                } else if (was == 0) {
                    best[owner] = PREFIX;
                }
            }
        }
        int start = Math.min(matched, (page - 1) * PAGE_SIZE);
        int end = Math.min(matched, start + PAGE_SIZE);
        List<Hit> hits = new ArrayList<>(end - start);
        for (int i : ranked(best, found, matched, exact, start, end)) {
            hits.add(new Hit(entries.get(i), best[i] == EXACT ? Rank.EXACT : Rank.PREFIX));
        }
        return new Page(query, terms, page, matched, hits);
    }

    /**
     * The entries at places {@code start..end} of the result order (exact before prefix, then name order). Few
     * matches are sorted by (rank, place); many are picked by walking the name order once per rank, which costs
     * the book's size but never a sort of tens of thousands.
     */
    private int[] ranked(byte[] best, int[] found, int matched, int exact, int start, int end) {
        int[] out = new int[end - start];
        if (matched <= byPosition.length / 16) {
            long[] order = new long[matched];
            for (int n = 0; n < matched; n++) {
                order[n] = ((long) best[found[n]] << 32) | position[found[n]];
            }
            Arrays.sort(order);
            for (int k = start; k < end; k++) {
                out[k - start] = byPosition[(int) order[k]];
            }
            return out;
        }
        int seen = 0;
        int k = 0;
        for (byte rank : new byte[] {EXACT, PREFIX}) {
            // the exact pass ends once it has seen every exact match (often none)
            int last = rank == EXACT ? exact : matched;
            for (int p = 0; p < byPosition.length && seen < end && seen < last; p++) {
                int i = byPosition[p];
                if (best[i] == rank) {
                    if (seen >= start) {
                        out[k++] = i;
                    }
                    seen++;
                }
            }
        }
        return out;
    }

    /** BadQuery unless {@code query} and {@code page} can be searched: not blank, at most 100 characters, no controls. */
    public static void validate(String query, int page) {
        if (query == null || query.isBlank()) {
            throw new BadQuery("q must not be empty");
        }
        if (query.length() > MAX_QUERY) {
            throw new BadQuery("q must be at most " + MAX_QUERY + " characters");
        }
        if (query.chars().anyMatch(Character::isISOControl)) {
            throw new BadQuery("q must not contain control characters");
        }
        if (page < 1) {
            throw new BadQuery("page must be 1 or more");
        }
    }

    /** What the query is looked up as: the folded text, and for a phone-like query its normalized prefixes. */
    List<String> terms(String query) {
        Set<String> terms = new LinkedHashSet<>();
        String folded = fold(query);
        terms.add(folded.startsWith("sip:") ? folded.substring(4) : folded);
        if (PHONE_LIKE.matcher(query.strip()).matches()) {
            String digits = NOT_DIGITS.matcher(query).replaceAll("");
            if (digits.startsWith("+")) {
                terms.add(digits);
            } else {
                terms.addAll(numberPrefixes(digits));
            }
        }
        return List.copyOf(terms);
    }

    /**
     * The E.164 prefixes a national or internal number prefix may stand for. The rules apply to whole numbers,
     * so the prefix is completed with zeros to each length up to 15 digits; where a rule turns the completed
     * number into E.164 and keeps the added zeros at its end, taking them off again gives a prefix ("020" +
     * "0000000" -> "+31200000000" -> "+3120"). Several lengths may match different rules (a four-digit
     * extension rule reads "0200" differently): each gives a prefix, and the results are the union.
     */
    List<String> numberPrefixes(String digits) {
        Set<String> prefixes = new LinkedHashSet<>();
        for (int pad = 0; digits.length() + pad <= 15; pad++) {
            String zeros = "0".repeat(pad);
            Normalization n = rules.normalize(digits + zeros);
            if (n instanceof Normalization.Normalized ok
                    && ok.byRule()
                    && ok.e164().endsWith(zeros)) {
                prefixes.add(ok.e164().substring(0, ok.e164().length() - pad));
            }
        }
        return List.copyOf(prefixes);
    }

    private int lowerBound(String term) {
        int lo = 0;
        int hi = keys.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (keys[mid].compareTo(term) < 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    public int size() {
        return entries.size();
    }
}
