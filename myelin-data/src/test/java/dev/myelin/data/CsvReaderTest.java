package dev.myelin.data;

import dev.myelin.core.DType;
import dev.myelin.core.Tensor;
import dev.myelin.data.io.Csv;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

class CsvReaderTest {

    /** ../shared/datasets from wherever the tests run (the project root or a module folder), or null. */
    static Path sharedDatasets() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path s = d.resolveSibling("shared").resolve("datasets");
            if (Files.isDirectory(s)) return s;
            Path inside = d.resolve("shared").resolve("datasets");
            if (Files.isDirectory(inside)) return inside;
        }
        return null;
    }

    static Path requireShared(String sub) {
        Path root = sharedDatasets();
        Assumptions.assumeTrue(root != null && Files.exists(root.resolve(sub)),
                "shared data set " + sub + " not found under ../shared/datasets (see shared/datasets/README.md); skipping");
        return root.resolve(sub);
    }

    static double mean(Tensor t) {
        double s = 0;
        for (float f : t.toFloatArray()) s += f;
        return s / t.numel();
    }

    static Path write(Path dir, String name, String content) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, content, StandardCharsets.UTF_8);
        return p;
    }

    @Test
    void readsNabTaxiSeries() throws IOException {
        Path taxi = requireShared("nab/data/realKnownCause/nyc_taxi.csv");
        Csv.Table t = Csv.read(taxi);
        assertEquals(List.of("timestamp", "value"), t.columns());
        assertEquals(10320, t.rowCount());
        assertEquals(2, t.line(0));
        assertEquals(10321, t.line(t.rowCount() - 1)); // no final newline in this file
        assertEquals("2014-07-01 00:00:00", t.get(0, "timestamp"));
        assertEquals("2015-01-31 23:30:00", t.get(t.rowCount() - 1, 0));
        Tensor v = t.numeric("value");
        assertEquals(DType.FLOAT32, v.dtype());
        assertArrayEquals(new int[]{10320, 1}, v.shape());
        assertEquals(10844f, v.get(0, 0));
        assertEquals(26288f, v.get(10319, 0));
        assertEquals(15137.569379844961, mean(v), 1e-6); // python: csv + float
        // Column selection by position gives the same tensor.
        assertArrayEquals(v.toFloatArray(), t.select(1).numeric().toFloatArray());
        // The timestamp column is text: asking for numbers names the line and the column.
        var e = assertThrows(IOException.class, () -> t.numeric("timestamp"));
        assertTrue(e.getMessage().contains("line 2, column 'timestamp': expected a number, found '2014-07-01 00:00:00'"), e.getMessage());
    }

    @Test
    void readsEveryNabFile() throws IOException {
        Path data = requireShared("nab/data");
        List<Path> files;
        try (Stream<Path> s = Files.walk(data)) {
            files = s.filter(p -> p.toString().endsWith(".csv")).sorted().toList();
        }
        assertEquals(58, files.size());
        long rows = 0;
        for (Path f : files) {
            Csv.Table t = Csv.read(f);
            assertEquals(List.of("timestamp", "value"), t.columns(), f.toString());
            Tensor v = t.numeric("value");
            assertEquals(t.rowCount(), v.size(0));
            rows += t.rowCount();
            if (f.endsWith("Twitter_volume_AAPL.csv")) {
                assertEquals(15902, t.rowCount());
                assertEquals(85.55232046283486, mean(v), 1e-6);
            }
        }
        assertEquals(365_558, rows); // python's csv module counts the same
    }

    @Test
    void quotingFollowsRfc4180(@TempDir Path dir) throws IOException {
        // A quoted field with the delimiter, doubled quotes and a line break; CRLF and LF endings mixed;
        // an empty quoted field; a blank line; a final row without a newline.
        String text = "name,note,qty\r\n"
                + "\"Smith, J\",\"said \"\"hi\"\"\nthen left\",3\r\n"
                + "plain,\"\",4\n"
                + "\n"
                + "last,x,5";
        Csv.Table t = Csv.read(write(dir, "q.csv", text));
        assertEquals(3, t.rowCount());
        assertEquals("Smith, J", t.get(0, "name"));
        assertEquals("said \"hi\"\nthen left", t.get(0, "note"));
        assertEquals("", t.get(1, "note"));
        assertEquals(List.of(2, 4, 6), List.of(t.line(0), t.line(1), t.line(2)));
        assertArrayEquals(new float[]{3, 4, 5}, t.numeric("qty").toFloatArray());
        assertEquals(List.of("Smith, J", "plain", "last"), t.column("name"));
    }

    @Test
    void delimiterHeaderlessAndTrailingEmptyField(@TempDir Path dir) throws IOException {
        Csv.Table semi = Csv.options().delimiter(';').read(write(dir, "s.csv", "a;b;c\n1,5;2;\n3;4;7\n"));
        assertEquals("1,5", semi.get(0, "a"));
        assertEquals("", semi.get(0, "c")); // a delimiter at the end of a line is an empty last field
        Csv.Table tab = Csv.options().delimiter('\t').header(false).read(write(dir, "t.tsv", "1\t2\n3\t4\n"));
        assertEquals(List.of("0", "1"), tab.columns());
        assertArrayEquals(new float[]{1, 2, 3, 4}, tab.numeric().toFloatArray());
        assertArrayEquals(new int[]{2, 2}, tab.numeric().shape());
        assertArrayEquals(new float[]{2, 1, 4, 3}, tab.select(1, 0).numeric().toFloatArray());
        // A UTF-8 byte-order mark does not become part of the first column name.
        Csv.Table bom = Csv.read(write(dir, "bom.csv", "\uFEFFx,y\n1,2\n"));
        assertEquals(List.of("x", "y"), bom.columns());
    }

    @Test
    void syntaxErrorsNameLineColumnAndWhatWasExpected(@TempDir Path dir) throws IOException {
        Path open = write(dir, "open.csv", "a,b\n1,2\n3,\"never closed\n4,5\n");
        var e1 = assertThrows(IOException.class, () -> Csv.read(open));
        assertTrue(e1.getMessage().startsWith(open + ": line 3, column 3: the quoted field opened here is never closed"), e1.getMessage());

        Path stray = write(dir, "stray.csv", "a,b\n1,5\" screen\n");
        var e2 = assertThrows(IOException.class, () -> Csv.read(stray));
        assertTrue(e2.getMessage().contains("line 2, column 4: a quote inside an unquoted field"), e2.getMessage());

        Path after = write(dir, "after.csv", "a,b\n\"x\"y,2\n");
        var e3 = assertThrows(IOException.class, () -> Csv.read(after));
        assertTrue(e3.getMessage().contains("line 2, column 4: expected ',' or the end of the line after a closing quote, found 'y'"), e3.getMessage());

        Path ragged = write(dir, "ragged.csv", "a,b,c\n1,2,3\n4,5\n");
        var e4 = assertThrows(IOException.class, () -> Csv.read(ragged));
        assertTrue(e4.getMessage().contains(ragged + ": line 3: 2 fields, expected 3 like the header (line 1)"), e4.getMessage());

        Path dup = write(dir, "dup.csv", "a,b,a\n1,2,3\n");
        var e5 = assertThrows(IOException.class, () -> Csv.read(dup));
        assertTrue(e5.getMessage().contains("names column 'a' twice (fields 1 and 3)"), e5.getMessage());

        Path empty = write(dir, "empty.csv", "");
        assertTrue(assertThrows(IOException.class, () -> Csv.read(empty)).getMessage().contains("empty file, expected a header line"));

        Path latin1 = dir.resolve("latin1.csv");
        Files.write(latin1, "a,b\n1,2\ncaf\u00e9,3\n".getBytes(StandardCharsets.ISO_8859_1));
        var e6 = assertThrows(IOException.class, () -> Csv.read(latin1));
        assertTrue(e6.getMessage().contains("line 3 (byte 11): invalid UTF-8 (0xE9)"), e6.getMessage());

        assertThrows(java.io.FileNotFoundException.class, () -> Csv.read(dir.resolve("missing.csv")));
    }

    @Test
    void wrongColumnNameListsTheColumns(@TempDir Path dir) throws IOException {
        Csv.Table t = Csv.read(write(dir, "c.csv", "temp,humidity\n1,2\n"));
        var e = assertThrows(IllegalArgumentException.class, () -> t.numeric("pressure"));
        assertTrue(e.getMessage().contains("no column 'pressure'; the columns are [temp, humidity]"), e.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class, () -> t.select(2));
        assertTrue(e2.getMessage().contains("column position 2 is out of range"), e2.getMessage());
    }

    @Test
    void missingValuesAreReportedOrFilledOnRequest(@TempDir Path dir) throws IOException {
        Path p = write(dir, "m.csv", "a,b\n1,10\nNA,20\n3,?\n,40\nNaN,50\n");
        Csv.Table t = Csv.read(p);
        var e = assertThrows(IOException.class, () -> t.numeric());
        assertTrue(e.getMessage().startsWith(p + ": line 3, column 'a': missing value ('NA'), and 2 more in this column"), e.getMessage());
        var eb = assertThrows(IOException.class, () -> t.numeric("b"));
        assertTrue(eb.getMessage().contains("line 4, column 'b': missing value ('?')"), eb.getMessage());

        // Mean of the present values: a = (1 + 3) / 2, b = (10 + 20 + 40 + 50) / 4.
        Tensor mean = t.numeric(Csv.Missing.mean());
        assertArrayEquals(new float[]{1, 10, 2, 20, 3, 30, 2, 40, 2, 50}, mean.toFloatArray());
        Tensor zero = t.numeric(Csv.Missing.constant(-1f), "a");
        assertArrayEquals(new float[]{1, -1, 3, -1, -1}, zero.toFloatArray());

        // The missing tokens can be replaced: here "NA" becomes an error as text, -999 the marker.
        Csv.Table custom = Csv.options().missing("-999").read(write(dir, "m2.csv", "a\n1\n-999\n"));
        assertArrayEquals(new float[]{1, 7}, custom.numeric(Csv.Missing.constant(7)).toFloatArray());

        Csv.Table none = Csv.read(write(dir, "m3.csv", "a,b\nNA,1\n?,2\n"));
        var e3 = assertThrows(IOException.class, () -> none.numeric(Csv.Missing.mean(), "a"));
        assertTrue(e3.getMessage().contains("column 'a' has no values at all"), e3.getMessage());
    }

    @Test
    void categoricalColumnsAndReusedCategories(@TempDir Path dir) throws IOException {
        Csv.Table train = Csv.read(write(dir, "train.csv", "city,temp\nOslo,3\nLima,19\nOslo,4\n\"Cairo\",25\n"));
        Csv.Encoded e = train.categorical("city");
        assertEquals(List.of("Cairo", "Lima", "Oslo"), e.categories().values()); // sorted, not by first appearance
        assertEquals(DType.INT64, e.indices().dtype());
        assertArrayEquals(new long[]{2, 1, 2, 0}, e.indices().toLongArray());

        Path testFile = write(dir, "test.csv", "city,temp\nLima,20\nQuito,14\n");
        Csv.Table test = Csv.read(testFile);
        var err = assertThrows(IOException.class, () -> test.categorical("city", e.categories()));
        assertTrue(err.getMessage().startsWith(testFile + ": line 3, column 'city': unknown category 'Quito', expected one of [Cairo, Lima, Oslo]"),
                err.getMessage());
        Csv.Encoded oov = test.categorical("city", e.categories().withOov());
        assertArrayEquals(new long[]{1, 3}, oov.indices().toLongArray());
        assertEquals(4, oov.categories().size());
    }

    @Test
    void featuresAndLabels(@TempDir Path dir) throws IOException {
        Path p = write(dir, "iris.csv", "sepal,petal,id,species\n5.1,1.4,7,setosa\n7.0,4.7,8,versicolor\n6.3,6.0,9,virginica\n4.9,1.5,10,setosa\n");
        Csv.Table t = Csv.read(p);
        Csv.XY xy = t.xy("species", "sepal", "petal");
        assertArrayEquals(new int[]{4, 2}, xy.x().shape());
        assertArrayEquals(new float[]{5.1f, 1.4f, 7.0f, 4.7f, 6.3f, 6.0f, 4.9f, 1.5f}, xy.x().toFloatArray());
        assertEquals(DType.INT64, xy.y().dtype());
        assertArrayEquals(new long[]{0, 1, 2, 0}, xy.y().toLongArray());
        assertEquals(List.of("setosa", "versicolor", "virginica"), xy.labelCategories().values());
        assertEquals(List.of("sepal", "petal"), xy.featureColumns());

        // Integer labels are used as they are; with no features named, all other columns are features.
        Csv.XY byId = t.drop("species").xy("id");
        assertNull(byId.labelCategories());
        assertArrayEquals(new long[]{7, 8, 9, 10}, byId.y().toLongArray());
        assertEquals(List.of("sepal", "petal"), byId.featureColumns());
        assertArrayEquals(new long[]{7, 8, 9, 10}, t.integers("id").toLongArray());

        var e = assertThrows(IOException.class, () -> t.xy("id"));
        assertTrue(e.getMessage().contains("line 2, column 'species': expected a number, found 'setosa'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> t.xy("species", "species", "petal"));
    }
}
