package dev.myelin.data;

import dev.myelin.core.Indexing;
import dev.myelin.core.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static dev.myelin.data.DatasetTest.countingStream;
import static dev.myelin.data.DatasetTest.ids;
import static dev.myelin.data.DatasetTest.labels;
import static dev.myelin.data.DatasetTest.rowsX;
import static org.junit.jupiter.api.Assertions.*;

class SplitTest {

    static List<List<Integer>> members(List<Dataset> parts, int epoch) {
        List<List<Integer>> out = new ArrayList<>();
        for (Dataset p : parts) out.add(labels(p, epoch));
        return out;
    }

    /** The parts are disjoint and together hold every id below n exactly once. */
    static void assertPartition(List<List<Integer>> parts, int n) {
        Set<Integer> seen = new HashSet<>();
        int total = 0;
        for (List<Integer> p : parts) {
            for (int id : p) assertTrue(seen.add(id), "sample " + id + " is in two parts");
            total += p.size();
        }
        assertEquals(n, total);
        for (int i = 0; i < n; i++) assertTrue(seen.contains(i), "sample " + i + " is in no part");
    }

    @Test
    void inMemorySplitHasExactSizesAndIsDeterministicForASeed() {
        Dataset ds = Dataset.of(rowsX(100), ids(100));
        List<Dataset> parts = ds.split(42, 0.7, 0.2, 0.1);
        assertEquals(3, parts.size());
        assertEquals(70, parts.get(0).size());
        assertEquals(20, parts.get(1).size());
        assertEquals(10, parts.get(2).size());
        List<List<Integer>> m = members(parts, 0);
        assertPartition(m, 100);
        assertEquals(m, members(ds.split(42, 0.7, 0.2, 0.1), 0), "same seed, same split");
        assertNotEquals(m, members(ds.split(43, 0.7, 0.2, 0.1), 0), "another seed, another split");
        assertEquals(m, members(parts, 5), "membership and order are fixed; shuffle a part to reorder it");
        // A shuffled part keeps its members and reorders them each epoch.
        Dataset train = parts.get(0).shuffle(1);
        assertNotEquals(labels(train, 0), labels(train, 1));
        assertEquals(new HashSet<>(m.get(0)), new HashSet<>(labels(train, 1)));
        // Fractions below 1 leave the rest out.
        List<Dataset> some = ds.split(1, 0.5, 0.25);
        assertEquals(50, some.get(0).size());
        assertEquals(25, some.get(1).size());
    }

    @Test
    void aSplitOfAShuffledDatasetKeepsItsMembersEveryEpoch() {
        Dataset shuffled = Dataset.of(rowsX(30), ids(30)).shuffle(9);
        List<Dataset> parts = shuffled.split(4, 0.5, 0.5);
        assertEquals(members(parts, 0), members(parts, 2));
        assertPartition(members(parts, 0), 30);
        List<Dataset> streamParts = countingStream(30, null, null).shuffle(9, 8).split(4, 0.5, 0.5);
        assertEquals(members(streamParts, 0), members(streamParts, 2), "a stream split reads the parent's epoch-0 order");
    }

    @Test
    void streamSplitIsADeterministicPartitionCloseToTheFractions() {
        int n = 4000;
        Dataset stream = countingStream(n, null, null);
        List<List<Integer>> m = members(stream.split(7, 0.6, 0.3, 0.1), 0);
        assertPartition(m, n);
        double[] f = {0.6, 0.3, 0.1};
        for (int k = 0; k < 3; k++) {
            double expected = n * f[k], sd = Math.sqrt(n * f[k] * (1 - f[k]));
            assertEquals(expected, m.get(k).size(), 5 * sd, "part " + k);
        }
        assertEquals(m, members(stream.split(7, 0.6, 0.3, 0.1), 0));
        assertNotEquals(m, members(stream.split(8, 0.6, 0.3, 0.1), 0));
        for (List<Integer> p : m) {
            List<Integer> sorted = new ArrayList<>(p);
            sorted.sort(null);
            assertEquals(sorted, p, "a stream split keeps the stream's order");
        }
    }

    @Test
    void stratifiedSplitKeepsClassProportionsWithinOneSample() {
        // Imbalanced classes: 53, 31, 9 and 4 samples, shuffled together.
        int[] counts = {53, 31, 9, 4};
        List<Long> labelList = new ArrayList<>();
        for (int c = 0; c < counts.length; c++) for (int i = 0; i < counts[c]; i++) labelList.add((long) c);
        java.util.Collections.shuffle(labelList, new java.util.Random(5));
        int n = labelList.size();
        long[] y = labelList.stream().mapToLong(Long::longValue).toArray();
        Tensor labels = Tensor.ofLongs(y, n);
        Dataset ds = Dataset.of(rowsX(n), ids(n));
        double[] f = {0.6, 0.25, 0.15};
        List<Dataset> parts = ds.stratifiedSplit(labels, 11, f);
        List<List<Integer>> m = members(parts, 0);
        assertPartition(m, n);
        for (int k = 0; k < f.length; k++) {
            int[] perClass = new int[counts.length];
            for (int id : m.get(k)) perClass[(int) y[id]]++;
            for (int c = 0; c < counts.length; c++) {
                assertEquals(counts[c] * f[k], perClass[c], 1.0, "part " + k + ", class " + c);
            }
        }
        assertEquals(m, members(ds.stratifiedSplit(labels, 11, f), 0));
        assertNotEquals(m, members(ds.stratifiedSplit(labels, 12, f), 0));
        // One-hot and float labels give the same split as class ids.
        assertEquals(m, members(ds.stratifiedSplit(Indexing.oneHot(labels, 4), 11, f), 0));
        assertEquals(m, members(ds.stratifiedSplit(labels.toFloat().reshape(n, 1), 11, f), 0));
        // Classes are interleaved within a part, not in blocks.
        List<Integer> first = m.get(0);
        int changes = 0;
        for (int i = 1; i < first.size(); i++) if (y[first.get(i)] != y[first.get(i - 1)]) changes++;
        assertTrue(changes > first.size() / 4, "classes should be mixed, got " + changes + " changes");
    }

    @Test
    void stratifiedSplitOfAStreamNeedsMaterializeFirst() {
        Dataset stream = countingStream(30, null, null);
        Tensor labels = Tensor.ofLongs(new long[30], 30);
        var e = assertThrows(IllegalArgumentException.class, () -> stream.stratifiedSplit(labels, 1, 0.5, 0.5));
        assertTrue(e.getMessage().contains("in-memory") && e.getMessage().contains("materialize()"), e.getMessage());
        long[] y = new long[30];
        for (int i = 0; i < 30; i++) y[i] = i % 3;
        List<Dataset> parts = stream.materialize().stratifiedSplit(Tensor.ofLongs(y, 30), 1, 0.5, 0.5);
        assertEquals(15, parts.get(0).size());
        assertPartition(members(parts, 0), 30);
    }

    @Test
    void badFractionsAndLabelsAreRejected() {
        Dataset ds = Dataset.of(rowsX(10), ids(10));
        var e = assertThrows(IllegalArgumentException.class, () -> ds.split(1, 0.8, 0.3));
        assertTrue(e.getMessage().contains("sum to") && e.getMessage().contains("at most 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ds.split(1, 0.5, 0.0));
        assertTrue(e.getMessage().contains("(0, 1]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ds.split(1, -0.5));
        assertThrows(IllegalArgumentException.class, () -> ds.split(1, Double.NaN));
        e = assertThrows(IllegalArgumentException.class, () -> ds.split(1));
        assertTrue(e.getMessage().contains("at least one fraction"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ds.split(1, 0.96, 0.04));
        assertTrue(e.getMessage().contains("part 1 empty"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ds.stratifiedSplit(Tensor.ofLongs(new long[9], 9), 1, 0.5, 0.5));
        assertTrue(e.getMessage().contains("(10,)") && e.getMessage().contains("(9,)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ds.stratifiedSplit(Tensor.full(0.5f, 10), 1, 0.5, 0.5));
        assertTrue(e.getMessage().contains("not a whole number"), e.getMessage());
    }
}
