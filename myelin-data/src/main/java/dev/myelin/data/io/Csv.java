package dev.myelin.data.io;

import dev.myelin.core.Tensor;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Comma-separated values (RFC 4180): fields split by a delimiter, records by {@code \n},
 * {@code \r\n} or {@code \r}; a field in double quotes may hold delimiters, line breaks and
 * doubled quotes ({@code "say ""hi"""}). Blank lines are skipped. The file must be UTF-8.
 *
 * <pre>{@code
 * Csv.Table t = Csv.read(Path.of("iris.csv"));                  // header row, comma
 * Csv.XY d = t.xy("species");                                    // x float32 (rows, 4), y int64 (rows,)
 * Tensor v = Csv.options().delimiter(';').read(p).numeric("value");
 * }</pre>
 *
 * Reading keeps every field as a string; the table then turns columns into tensors:
 * {@link Table#numeric} (float32), {@link Table#categorical} (int64 indices into sorted
 * categories), {@link Table#xy} (features and labels). A missing value (by default an empty
 * field, {@code NA}, {@code N/A}, {@code NaN}, {@code nan} or {@code ?}) is an error naming the
 * line and the column unless the caller asks to fill it ({@link Missing#mean()},
 * {@link Missing#constant(float)}).
 *
 * <p>Errors in the file (a stray quote, a row with the wrong number of fields, a value that is not
 * a number) are {@link IOException}s naming the file, the 1-based line (and character column for
 * syntax errors) and what was expected. A column name that does not exist is an
 * {@link IllegalArgumentException} that lists the columns there are.
 */
public final class Csv {
    private Csv() {}

    /** The tokens that mean "no value" by default (compared after trimming spaces). */
    public static final Set<String> DEFAULT_MISSING = Collections.unmodifiableSet(new LinkedHashSet<>(List.of("", "NA", "N/A", "NaN", "nan", "?")));

    /** Reads a comma-separated file whose first line names the columns. */
    public static Table read(Path path) throws IOException {
        return options().read(path);
    }

    /** Options to change: {@code Csv.options().delimiter('\t').header(false).read(path)}. */
    public static Options options() {
        return new Options(',', true, DEFAULT_MISSING);
    }

    /**
     * How to read a file. {@code header}: whether the first record names the columns (without one,
     * the columns are named "0", "1", ...). {@code missing}: the field values (after trimming) that
     * count as missing.
     */
    public record Options(char delimiter, boolean header, Set<String> missing) {
        public Options {
            if (delimiter == '"' || delimiter == '\n' || delimiter == '\r') {
                throw new IllegalArgumentException("Csv delimiter cannot be a quote or a line break, got " + printable(delimiter));
            }
            missing = Collections.unmodifiableSet(new LinkedHashSet<>(missing));
        }

        public Options delimiter(char d) {
            return new Options(d, header, missing);
        }

        public Options header(boolean h) {
            return new Options(delimiter, h, missing);
        }

        /** Replaces the set of missing-value tokens, e.g. {@code missing("", "-999")}. */
        public Options missing(String... tokens) {
            return new Options(delimiter, header, new LinkedHashSet<>(Arrays.asList(tokens)));
        }

        public Table read(Path path) throws IOException {
            if (!Files.isRegularFile(path)) throw new FileNotFoundException(path + ": no such file");
            return parse(path, TextFiles.decode(path, Files.readAllBytes(path)));
        }

        /** Parses CSV text; {@code source} names it in errors. */
        public Table parse(Path source, String text) throws IOException {
            return Csv.parse(source, text, this);
        }
    }

    /** What to do with a missing numeric value: fail (the default), fill with the column's mean, or with a constant. */
    public sealed interface Missing {
        record Fail() implements Missing {}

        /** The mean of the column's present values in this table. */
        record Mean() implements Missing {}

        record Constant(float value) implements Missing {}

        static Missing fail() {
            return new Fail();
        }

        static Missing mean() {
            return new Mean();
        }

        static Missing constant(float value) {
            return new Constant(value);
        }
    }

    /**
     * The categories of a column, sorted by {@link String#compareTo} so that the indices do not
     * depend on row order and a vocabulary found on a training file applies to a test file. A
     * value outside the list is an error, unless {@code oov} is set: then it maps to the extra index
     * {@code values.size()} (the known indices do not move).
     *
     * <pre>{@code Csv.Encoded test = testTable.categorical("city", train.categories().withOov());}</pre>
     */
    public record Categories(List<String> values, boolean oov) {
        public Categories {
            values = List.copyOf(values);
        }

        /** Distinct values, sorted. */
        public static Categories of(Collection<String> values) {
            return new Categories(new ArrayList<>(new TreeSet<>(values)), false);
        }

        public Categories withOov() {
            return new Categories(values, true);
        }

        /** The number of indices: the known values, plus one if {@code oov}. */
        public int size() {
            return values.size() + (oov ? 1 : 0);
        }

        /** The value's index; {@code values.size()} for an unknown value when {@code oov}, else -1. */
        public int indexOf(String value) {
            int i = Collections.binarySearch(values, value);
            return i >= 0 ? i : oov ? values.size() : -1;
        }
    }

    /** A categorical column as int64 indices (rows,) with its categories. */
    public record Encoded(Tensor indices, Categories categories) {}

    /**
     * Features and labels: {@code x} float32 (rows, features), {@code y} int64 (rows,).
     * {@code labelCategories} is null when the label column already held integers (used as they
     * are); otherwise y indexes into it.
     */
    public record XY(Tensor x, Tensor y, List<String> featureColumns, Categories labelCategories) {}

    /**
     * The fields of a file as strings, in rows and named columns. Selections ({@link #select}) are
     * views sharing the rows.
     */
    public static final class Table {
        private final Path source;
        private final List<String> allColumns;
        private final List<String[]> records;
        private final int[] lines;
        private final int[] cols; // indices into allColumns / each record, in this view's order
        private final Set<String> missing;

        Table(Path source, List<String> allColumns, List<String[]> records, int[] lines, int[] cols, Set<String> missing) {
            this.source = source;
            this.allColumns = allColumns;
            this.records = records;
            this.lines = lines;
            this.cols = cols;
            this.missing = missing;
        }

        /** The file the table came from. */
        public Path source() {
            return source;
        }

        public List<String> columns() {
            List<String> out = new ArrayList<>(cols.length);
            for (int c : cols) out.add(allColumns.get(c));
            return out;
        }

        public int rowCount() {
            return records.size();
        }

        public int columnCount() {
            return cols.length;
        }

        /** The 1-based line of the file where data row {@code row} (0-based) starts. */
        public int line(int row) {
            return lines[row];
        }

        /** The field at a row (0-based, header excluded) and a column position of this view. */
        public String get(int row, int column) {
            return records.get(row)[cols[checkIndex(column)]];
        }

        public String get(int row, String column) {
            return records.get(row)[cols[indexOf(column)]];
        }

        /** A column's fields. */
        public List<String> column(String name) {
            int c = cols[indexOf(name)];
            List<String> out = new ArrayList<>(records.size());
            for (String[] r : records) out.add(r[c]);
            return out;
        }

        /** The position of a column in this view; an unknown name lists the columns there are. */
        public int indexOf(String name) {
            for (int i = 0; i < cols.length; i++) if (allColumns.get(cols[i]).equals(name)) return i;
            throw new IllegalArgumentException(source + ": no column '" + name + "'; the columns are " + columns());
        }

        /** A view of the named columns, in the order given. */
        public Table select(String... names) {
            int[] pick = new int[names.length];
            for (int i = 0; i < names.length; i++) pick[i] = indexOf(names[i]);
            return select(pick);
        }

        /** A view of the columns at these 0-based positions, in the order given. */
        public Table select(int... positions) {
            int[] pick = new int[positions.length];
            for (int i = 0; i < positions.length; i++) pick[i] = cols[checkIndex(positions[i])];
            return new Table(source, allColumns, records, lines, pick, missing);
        }

        /** A view without the named columns. */
        public Table drop(String... names) {
            Set<Integer> gone = new HashSet<>();
            for (String n : names) gone.add(indexOf(n));
            int[] keep = new int[cols.length - gone.size()];
            for (int i = 0, k = 0; i < cols.length; i++) if (!gone.contains(i)) keep[k++] = i;
            return select(keep);
        }

        /** The named columns (all, if none are named) as float32 (rows, columns); a missing value is an error. */
        public Tensor numeric(String... names) throws IOException {
            return numeric(Missing.fail(), names);
        }

        /**
         * The named columns (all, if none are named) as float32 (rows, columns), missing values
         * handled as {@code fill} says.
         */
        public Tensor numeric(Missing fill, String... names) throws IOException {
            Table t = names.length == 0 ? this : select(names);
            int n = t.rowCount(), k = t.cols.length;
            float[] out = new float[n * k];
            for (int j = 0; j < k; j++) {
                int c = t.cols[j];
                String name = allColumns.get(c);
                double sum = 0;
                int present = 0, missingCount = 0, firstMissing = -1;
                for (int r = 0; r < n; r++) {
                    String raw = records.get(r)[c];
                    String v = raw.strip();
                    if (missing.contains(v)) {
                        out[r * k + j] = Float.NaN;
                        if (missingCount++ == 0) firstMissing = r;
                        continue;
                    }
                    float x = parseNumber(v);
                    if (Float.isNaN(x)) {
                        throw new IOException(where(r, name) + ": expected a number, found '" + raw + "'"
                                + " (encode text columns with categorical(\"" + name + "\"), or add the token to Csv.options().missing(...))");
                    }
                    out[r * k + j] = x;
                    sum += x;
                    present++;
                }
                if (missingCount == 0) continue;
                float value = switch (fill) {
                    case Missing.Fail _ -> throw new IOException(where(firstMissing, name) + ": missing value ('"
                            + records.get(firstMissing)[c] + "')" + (missingCount > 1 ? ", and " + (missingCount - 1) + " more in this column" : "")
                            + "; fill them with Csv.Missing.mean() or Csv.Missing.constant(x), or drop the rows first");
                    case Missing.Mean _ -> {
                        if (present == 0) throw new IOException(source + ": column '" + name + "' has no values at all, so no mean to fill with");
                        yield (float) (sum / present);
                    }
                    case Missing.Constant cst -> cst.value();
                };
                for (int r = 0; r < n; r++) if (Float.isNaN(out[r * k + j])) out[r * k + j] = value;
            }
            return Tensor.wrap(out, n, k);
        }

        /** A column of whole numbers as int64 (rows,). */
        public Tensor integers(String name) throws IOException {
            int c = cols[indexOf(name)];
            long[] out = new long[records.size()];
            for (int r = 0; r < out.length; r++) {
                String v = records.get(r)[c].strip();
                if (missing.contains(v)) throw new IOException(where(r, name) + ": missing value ('" + v + "'), expected a whole number");
                try {
                    out[r] = Long.parseLong(v);
                } catch (NumberFormatException e) {
                    throw new IOException(where(r, name) + ": expected a whole number, found '" + records.get(r)[c] + "'");
                }
            }
            return Tensor.ofLongs(out, out.length);
        }

        /** A text column as int64 indices into its sorted distinct values. */
        public Encoded categorical(String name) throws IOException {
            int c = cols[indexOf(name)];
            Set<String> seen = new TreeSet<>();
            for (int r = 0; r < records.size(); r++) {
                String v = records.get(r)[c].strip();
                if (missing.contains(v)) {
                    throw new IOException(where(r, name) + ": missing value ('" + v + "'); a categorical column cannot be filled, drop the row or remove the token from Csv.options().missing(...)");
                }
                seen.add(v);
            }
            return categorical(name, Categories.of(seen));
        }

        /**
         * A text column as int64 indices into given categories, e.g. those found on the training
         * file; an unknown value is an error naming the line unless {@code categories.oov()}.
         */
        public Encoded categorical(String name, Categories categories) throws IOException {
            int c = cols[indexOf(name)];
            long[] out = new long[records.size()];
            for (int r = 0; r < out.length; r++) {
                String v = records.get(r)[c].strip();
                int i = categories.indexOf(v);
                if (i < 0) {
                    List<String> known = categories.values();
                    String list = known.size() <= 20 ? known.toString() : known.subList(0, 20) + " and " + (known.size() - 20) + " more";
                    throw new IOException(where(r, name) + ": unknown category '" + v + "', expected one of " + list
                            + " (use categories.withOov() to map unknown values to index " + known.size() + ")");
                }
                out[r] = i;
            }
            return new Encoded(Tensor.ofLongs(out, out.length), categories);
        }

        /**
         * Features and labels: the label column becomes int64 (rows,), used as they are if every
         * value is a whole number, else as indices into the sorted categories; the feature columns
         * (all others, if none are named) become float32 (rows, features). Missing features are
         * an error; see {@link #xy(Missing, String, String...)}.
         */
        public XY xy(String labelColumn, String... featureColumns) throws IOException {
            return xy(Missing.fail(), labelColumn, featureColumns);
        }

        public XY xy(Missing fill, String labelColumn, String... featureColumns) throws IOException {
            int lc = indexOf(labelColumn);
            Table features = featureColumns.length == 0 ? drop(labelColumn) : select(featureColumns);
            if (features.columns().contains(labelColumn)) {
                throw new IllegalArgumentException(source + ": the label column '" + labelColumn + "' is also among the features " + features.columns());
            }
            Tensor x = features.numeric(fill);
            boolean allInts = true;
            for (String[] r : records) {
                if (!isLong(r[cols[lc]].strip())) {
                    allInts = false;
                    break;
                }
            }
            if (allInts) return new XY(x, integers(labelColumn), features.columns(), null);
            Encoded e = categorical(labelColumn);
            return new XY(x, e.indices(), features.columns(), e.categories());
        }

        private String where(int row, String column) {
            return source + ": line " + lines[row] + ", column '" + column + "'";
        }

        private int checkIndex(int position) {
            if (position < 0 || position >= cols.length) {
                throw new IllegalArgumentException(source + ": column position " + position + " is out of range; the table has "
                        + cols.length + " columns " + columns());
            }
            return position;
        }
    }

    private static boolean isLong(String s) {
        if (s.isEmpty()) return false;
        int i = s.charAt(0) == '-' || s.charAt(0) == '+' ? 1 : 0;
        if (i == s.length() || s.length() > 19) return false;
        for (; i < s.length(); i++) if (s.charAt(i) < '0' || s.charAt(i) > '9') return false;
        return true;
    }

    /**
     * A decimal number ({@code -1.5}, {@code 2e-3}, {@code Infinity}, {@code inf}), or NaN when
     * the text is not one. Stricter than {@link Float#parseFloat}, which would also take
     * {@code "1f"} and hexadecimal.
     */
    static float parseNumber(String s) {
        if (s.isEmpty()) return Float.NaN;
        String body = s.charAt(0) == '-' || s.charAt(0) == '+' ? s.substring(1) : s;
        if (body.equals("Infinity") || body.equalsIgnoreCase("inf")) return s.charAt(0) == '-' ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY;
        boolean digit = false;
        for (int i = 0; i < body.length(); i++) {
            char ch = body.charAt(i);
            if (ch >= '0' && ch <= '9') digit = true;
            else if (ch != '.' && ch != 'e' && ch != 'E' && ch != '-' && ch != '+') return Float.NaN;
        }
        if (!digit) return Float.NaN;
        try {
            return Float.parseFloat(s);
        } catch (NumberFormatException e) {
            return Float.NaN;
        }
    }

    private static Table parse(Path source, String text, Options o) throws IOException {
        char delim = o.delimiter();
        List<String[]> records = new ArrayList<>();
        List<Integer> lineList = new ArrayList<>();
        int n = text.length(), i = 0, line = 1, lineStart = 0;
        List<String> fields = new ArrayList<>();
        StringBuilder sb = new StringBuilder();
        while (i < n) {
            char first = text.charAt(i);
            if (first == '\n' || first == '\r') { // blank line
                i += first == '\r' && i + 1 < n && text.charAt(i + 1) == '\n' ? 2 : 1;
                line++;
                lineStart = i;
                continue;
            }
            int recordLine = line;
            fields.clear();
            while (true) {
                if (i < n && text.charAt(i) == '"') {
                    int qLine = line, qCol = i - lineStart + 1;
                    sb.setLength(0);
                    i++;
                    while (true) {
                        if (i >= n) {
                            throw new IOException(source + ": line " + qLine + ", column " + qCol
                                    + ": the quoted field opened here is never closed; expected a closing '\"' before the end of the file");
                        }
                        char c = text.charAt(i);
                        if (c == '"') {
                            if (i + 1 < n && text.charAt(i + 1) == '"') {
                                sb.append('"');
                                i += 2;
                                continue;
                            }
                            i++;
                            break;
                        }
                        if (c == '\n' || (c == '\r' && !(i + 1 < n && text.charAt(i + 1) == '\n'))) {
                            line++;
                            lineStart = i + 1;
                        }
                        sb.append(c);
                        i++;
                    }
                    fields.add(sb.toString());
                    if (i >= n) break;
                    char c = text.charAt(i);
                    if (c == delim) {
                        i++;
                        if (i >= n) { fields.add(""); break; }
                        continue;
                    }
                    if (c == '\n' || c == '\r') {
                        i += c == '\r' && i + 1 < n && text.charAt(i + 1) == '\n' ? 2 : 1;
                        line++;
                        lineStart = i;
                        break;
                    }
                    throw new IOException(source + ": line " + line + ", column " + (i - lineStart + 1) + ": expected "
                            + printable(delim) + " or the end of the line after a closing quote, found " + printable(c)
                            + " (a quote inside a quoted field is written twice: \"\")");
                } else {
                    int s = i;
                    while (i < n) {
                        char c = text.charAt(i);
                        if (c == delim || c == '\n' || c == '\r') break;
                        if (c == '"') {
                            throw new IOException(source + ": line " + line + ", column " + (i - lineStart + 1)
                                    + ": a quote inside an unquoted field; expected the whole field in quotes with inner quotes doubled (\"5\"\" screen\")");
                        }
                        i++;
                    }
                    fields.add(text.substring(s, i));
                    if (i >= n) break;
                    char c = text.charAt(i);
                    if (c == delim) {
                        i++;
                        if (i >= n) { fields.add(""); break; }
                        continue;
                    }
                    i += c == '\r' && i + 1 < n && text.charAt(i + 1) == '\n' ? 2 : 1;
                    line++;
                    lineStart = i;
                    break;
                }
            }
            records.add(fields.toArray(new String[0]));
            lineList.add(recordLine);
        }
        List<String> names;
        int firstData;
        if (o.header()) {
            if (records.isEmpty()) throw new IOException(source + ": empty file, expected a header line naming the columns");
            names = List.of(records.getFirst());
            Map<String, Integer> seen = new HashMap<>();
            for (int c = 0; c < names.size(); c++) {
                Integer prev = seen.put(names.get(c), c);
                if (prev != null) {
                    throw new IOException(source + ": line " + lineList.getFirst() + ": the header names column '" + names.get(c)
                            + "' twice (fields " + (prev + 1) + " and " + (c + 1) + "); expected distinct column names");
                }
            }
            firstData = 1;
        } else {
            int k = records.isEmpty() ? 0 : records.getFirst().length;
            List<String> gen = new ArrayList<>(k);
            for (int c = 0; c < k; c++) gen.add(Integer.toString(c));
            names = List.copyOf(gen);
            firstData = 0;
        }
        int k = names.size();
        List<String[]> data = new ArrayList<>(Math.max(0, records.size() - firstData));
        int[] lines = new int[Math.max(0, records.size() - firstData)];
        for (int r = firstData; r < records.size(); r++) {
            String[] rec = records.get(r);
            if (rec.length != k) {
                throw new IOException(source + ": line " + lineList.get(r) + ": " + rec.length + " field" + (rec.length == 1 ? "" : "s")
                        + ", expected " + k + " like " + (o.header() ? "the header" : "the first row") + " (line " + lineList.get(0)
                        + ") with delimiter " + printable(delim));
            }
            lines[r - firstData] = lineList.get(r);
            data.add(rec);
        }
        int[] cols = new int[k];
        for (int c = 0; c < k; c++) cols[c] = c;
        return new Table(source, names, data, lines, cols, o.missing());
    }

    private static String printable(char c) {
        return switch (c) {
            case '\t' -> "'\\t'";
            case '\n' -> "'\\n'";
            case '\r' -> "'\\r'";
            default -> "'" + c + "'";
        };
    }
}
