package dev.myelin.data;

import dev.myelin.core.DType;
import dev.myelin.core.Indexing;
import dev.myelin.core.Rng;
import dev.myelin.core.Tensor;
import dev.myelin.nn.Batch;
import dev.myelin.nn.BatchSource;
import dev.myelin.nn.FitOptions;
import dev.myelin.nn.Model;
import dev.myelin.nn.Parameter;
import dev.myelin.nn.Sequential;
import dev.myelin.nn.callbacks.History;
import dev.myelin.nn.layers.Dense;
import dev.myelin.nn.layers.InputLayer;
import dev.myelin.nn.optimizers.Adam;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.*;

class DatasetTest {

    /** x row i = [i, 10 i], y = i (int64). */
    static Tensor rowsX(int n) {
        float[] d = new float[2 * n];
        for (int i = 0; i < n; i++) {
            d[2 * i] = i;
            d[2 * i + 1] = 10 * i;
        }
        return Tensor.wrap(d, n, 2);
    }

    /** A 0-d int64 tensor. */
    static Tensor scalarLong(long v) {
        return Tensor.ofLongs(new long[]{v}, 1).squeeze(0);
    }

    static Tensor ids(int n) {
        long[] v = new long[n];
        for (int i = 0; i < n; i++) v[i] = i;
        return Tensor.ofLongs(v, n);
    }

    /** The label of every sample of one pass, in order. */
    static List<Integer> labels(Dataset ds, int epoch) {
        List<Integer> out = new ArrayList<>();
        try (CloseableIterator<Sample> it = ds.iterator(epoch)) {
            while (it.hasNext()) out.add((int) it.next().get(1).item());
        }
        return out;
    }

    /** The labels of every batch of one epoch, flattened, plus the batch sizes. */
    static List<Integer> batchLabels(BatchSource b, int epoch, List<Integer> sizes) {
        List<Integer> out = new ArrayList<>();
        for (Iterator<Batch> it = b.epoch(epoch); it.hasNext(); ) {
            Batch batch = it.next();
            if (sizes != null) sizes.add(batch.size());
            for (float v : batch.y().get(0).toFloatArray()) out.add((int) v);
        }
        return out;
    }

    /** A stream of n samples [x = (2,) float, y = scalar int64 i], counting how many the source has produced. */
    static Dataset countingStream(int n, AtomicInteger produced, AtomicInteger opened) {
        return Dataset.fromIterator(() -> {
            if (opened != null) opened.incrementAndGet();
            return new Iterator<>() {
                int i;

                @Override
                public boolean hasNext() {
                    return i < n;
                }

                @Override
                public Sample next() {
                    if (!hasNext()) throw new NoSuchElementException();
                    if (produced != null) produced.incrementAndGet();
                    int k = i++;
                    return Sample.of(Tensor.of(new float[]{k, 10 * k}), scalarLong(k));
                }
            };
        });
    }

    @Test
    void inMemorySamplesAreRowsOfTheArrays() {
        Dataset ds = Dataset.of(rowsX(5), ids(5));
        assertTrue(ds.inMemory());
        assertEquals(5, ds.size());
        List<Sample> all = new ArrayList<>();
        ds.iterator().forEachRemaining(all::add);
        assertEquals(5, all.size());
        Sample s3 = all.get(3);
        assertArrayEquals(new int[]{2}, s3.get(0).shape());
        assertArrayEquals(new float[]{3, 30}, s3.get(0).toFloatArray());
        assertArrayEquals(new int[0], s3.get(1).shape());
        assertEquals(DType.INT64, s3.get(1).dtype());
        assertEquals(3L, s3.get(1).getLong());
    }

    @Test
    void batchesCutRowsInOrderWithOrWithoutTheRemainder() {
        Dataset ds = Dataset.of(rowsX(7), ids(7));
        Batches b = ds.batch(3);
        assertEquals(3, b.batchesPerEpoch());
        List<Integer> sizes = new ArrayList<>();
        assertEquals(List.of(0, 1, 2, 3, 4, 5, 6), batchLabels(b, 0, sizes));
        assertEquals(List.of(3, 3, 1), sizes);
        Batch first = b.epoch(0).next();
        assertArrayEquals(new int[]{3, 2}, first.x().get(0).shape());
        assertArrayEquals(new float[]{0, 0, 1, 10, 2, 20}, first.x().get(0).toFloatArray());
        assertEquals(DType.INT64, first.y().get(0).dtype());
        assertNull(first.sampleWeight());

        Batches dropped = ds.batch(3, true);
        assertEquals(2, dropped.batchesPerEpoch());
        sizes.clear();
        assertEquals(List.of(0, 1, 2, 3, 4, 5), batchLabels(dropped, 0, sizes));
        assertEquals(List.of(3, 3), sizes);
    }

    @Test
    void stackedBatchesEqualRowCopies() {
        // A map turns off the row-copy path; the batches must be the same.
        Dataset fast = Dataset.of(rowsX(10), ids(10)).shuffle(5);
        Dataset slow = fast.map(s -> s);
        Dataset stream = countingStream(10, null, null).shuffle(5, 100);
        for (int epoch = 0; epoch < 3; epoch++) {
            Iterator<Batch> a = fast.batch(4).epoch(epoch), b = slow.batch(4).epoch(epoch);
            while (a.hasNext()) {
                assertTrue(b.hasNext());
                Batch ba = a.next(), bb = b.next();
                assertArrayEquals(ba.x().get(0).shape(), bb.x().get(0).shape());
                assertArrayEquals(ba.x().get(0).toFloatArray(), bb.x().get(0).toFloatArray());
                assertArrayEquals(ba.y().get(0).toLongArray(), bb.y().get(0).toLongArray());
                assertEquals(ba.y().get(0).dtype(), bb.y().get(0).dtype());
            }
            assertFalse(b.hasNext());
        }
        // Stream batches stack the same way: (batch, 2) inputs, (batch,) int64 labels.
        Batch sb = stream.batch(4).epoch(0).next();
        assertArrayEquals(new int[]{4, 2}, sb.x().get(0).shape());
        assertArrayEquals(new int[]{4}, sb.y().get(0).shape());
        assertEquals(DType.INT64, sb.y().get(0).dtype());
        assertEquals(-1, stream.batch(4).batchesPerEpoch());
    }

    @Test
    void leadingTensorsAreInputsTheRestTargets() {
        Tensor a = rowsX(4), b = Tensor.ones(4, 3), y = ids(4);
        Batch two = Dataset.of(a, b, y).batch(4, false, 2).epoch(0).next();
        assertEquals(2, two.x().size());
        assertEquals(1, two.y().size());
        assertArrayEquals(new int[]{4, 3}, two.x().get(1).shape());
        Batch one = Dataset.of(a, b, y).map(s -> s).batch(4).epoch(0).next();
        assertEquals(1, one.x().size());
        assertEquals(2, one.y().size());
        Batch inputsOnly = Dataset.of(a).batch(2).epoch(0).next();
        assertTrue(inputsOnly.y().isEmpty());
        var e = assertThrows(IllegalArgumentException.class, () -> Dataset.of(a, y).batch(2, false, 3).epoch(0).next());
        assertTrue(e.getMessage().contains("numInputs is 3") && e.getMessage().contains("only 2"), e.getMessage());
    }

    @Test
    void mapFilterTakeSkipInMemoryAndStreaming() {
        Dataset mem = Dataset.of(rowsX(10), ids(10));
        Dataset stream = countingStream(10, null, null);
        for (Dataset ds : List.of(mem, stream)) {
            Dataset doubled = ds.map(s -> s.with(1, s.get(1).to(DType.FLOAT32).mul(2f)));
            assertEquals(List.of(0, 2, 4, 6, 8, 10, 12, 14, 16, 18), labels(doubled, 0));
            Dataset even = ds.filter(s -> s.get(1).getLong() % 2 == 0);
            assertEquals(List.of(0, 2, 4, 6, 8), labels(even, 0));
            assertEquals(-1, even.size());
            assertEquals(List.of(3, 4, 5), labels(ds.skip(3).take(3), 0));
            assertEquals(List.of(), labels(ds.skip(20), 0));
            assertEquals(10, labels(ds.take(20), 0).size());
        }
        assertEquals(3, mem.skip(3).take(3).size());
        assertEquals(7, mem.skip(3).size());
        assertEquals(-1, stream.take(3).size());
    }

    @Test
    void shuffleIsSeededDiffersPerEpochAndIsAPermutation() {
        List<Integer> identity = IntStream.range(0, 50).boxed().toList();
        Dataset mem = Dataset.of(rowsX(50), ids(50));
        Dataset stream = countingStream(50, null, null);
        for (Dataset base : List.of(mem, stream)) {
            Dataset a = base.shuffle(11, 64), b = base.shuffle(11, 64), c = base.shuffle(12, 64);
            List<Integer> a0 = labels(a, 0);
            assertEquals(a0, labels(b, 0), "same seed, same order");
            assertEquals(a0, labels(a, 0), "a pass does not change the next pass of the same epoch");
            assertNotEquals(a0, labels(c, 0), "another seed, another order");
            assertNotEquals(a0, labels(a, 1), "each epoch is reshuffled");
            assertNotEquals(identity, a0);
            List<Integer> sorted = new ArrayList<>(a0);
            sorted.sort(null);
            assertEquals(identity, sorted, "a permutation: nothing lost or repeated");
        }
        assertEquals(identity, labels(stream.shuffle(3, 1), 0), "a buffer of one cannot reorder a stream");
        List<Integer> local = labels(stream.shuffle(3, 4), 0);
        for (int i = 0; i < local.size(); i++) {
            // With a buffer of 4, the output at position i comes from the first i + 4 samples.
            assertTrue(local.get(i) < i + 4, "position " + i + " holds sample " + local.get(i));
        }
    }

    @Test
    void resumingAtAnEpochReproducesTheUninterruptedOrder() {
        Tensor x = rowsX(40), y = ids(40);
        Batches uninterrupted = Dataset.of(x, y).shuffle(99).batch(8);
        List<List<Integer>> run = new ArrayList<>();
        for (int e = 0; e < 5; e++) run.add(batchLabels(uninterrupted, e, null));
        // A fresh pipeline (as after a restart) asked for epoch 3 directly.
        Batches resumed = Dataset.of(x, y).shuffle(99).batch(8);
        assertEquals(run.get(3), batchLabels(resumed, 3, null));
        assertEquals(run.get(4), batchLabels(resumed, 4, null));
        // Streams with a buffered shuffle, too.
        Batches s1 = countingStream(40, null, null).shuffle(99, 16).batch(8), s2 = countingStream(40, null, null).shuffle(99, 16).batch(8);
        batchLabels(s1, 0, null);
        batchLabels(s1, 1, null);
        assertEquals(batchLabels(s1, 2, null), batchLabels(s2, 2, null));
    }

    @Test
    void aStreamHoldsOnlyTheShuffleBufferNotTheWholeData() {
        AtomicInteger produced = new AtomicInteger();
        int n = 100_000, buffer = 64, batch = 16;
        Dataset ds = countingStream(n, produced, null).shuffle(3, buffer);
        Iterator<Batch> it = ds.batch(batch).epoch(0);
        int consumed = 0;
        for (int k = 0; k < 20; k++) {
            consumed += it.next().size();
            // The source runs ahead of the consumer by at most the buffer.
            assertTrue(produced.get() - consumed <= buffer, "produced " + produced.get() + " for " + consumed + " consumed");
        }
        assertTrue(produced.get() < 1000, "read " + produced.get() + " of " + n + " samples for 20 batches");
    }

    @Test
    void cacheRecordsTheFirstCompletePassOfAStream() {
        AtomicInteger produced = new AtomicInteger(), opened = new AtomicInteger();
        Dataset cached = countingStream(20, produced, opened).cache();
        // A pass closed early records nothing.
        try (CloseableIterator<Sample> it = cached.iterator()) {
            it.next();
        }
        assertEquals(-1, cached.size());
        assertEquals(IntStream.range(0, 20).boxed().toList(), labels(cached, 0));
        assertEquals(2, opened.get());
        assertEquals(20, cached.size());
        int before = produced.get();
        Dataset shuffled = cached.shuffle(1, 100);
        assertNotEquals(labels(shuffled, 0), labels(shuffled, 1), "a shuffle after the cache still reshuffles each epoch");
        assertEquals(IntStream.range(0, 20).boxed().toList(), labels(cached, 5));
        assertEquals(2, opened.get(), "later passes do not read the source");
        assertEquals(before, produced.get());
    }

    @Test
    void cacheComputesAnInMemoryMapOnce() {
        AtomicInteger calls = new AtomicInteger();
        Dataset ds = Dataset.of(rowsX(12), ids(12)).map(s -> {
            calls.incrementAndGet();
            return s;
        }).cache().shuffle(4);
        for (int e = 0; e < 3; e++) assertEquals(12, labels(ds, e).size());
        assertEquals(12, calls.get());
    }

    @Test
    void parallelMapKeepsOrderUsesSeveralThreadsAndStopsThem() throws Exception {
        Set<String> threads = ConcurrentHashMap.newKeySet();
        Dataset src = countingStream(24, null, null);
        for (Dataset base : List.of(src, Dataset.of(rowsX(24), ids(24)))) {
            threads.clear();
            Dataset mapped = base.map(s -> {
                threads.add(Thread.currentThread().getName());
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                return s.with(0, s.get(0).add(1f));
            }, 4);
            List<Sample> out = new ArrayList<>();
            mapped.iterator().forEachRemaining(out::add);
            assertEquals(24, out.size());
            for (int i = 0; i < 24; i++) {
                assertEquals(i, out.get(i).get(1).getLong());
                assertArrayEquals(new float[]{i + 1, 10 * i + 1}, out.get(i).get(0).toFloatArray());
            }
            assertTrue(threads.size() > 1, "ran on " + threads);
            assertTrue(threads.stream().allMatch(t -> t.startsWith("myelin-map")), threads.toString());
            assertNoLiveThreads("myelin-map");
        }
    }

    @Test
    void aFailingParallelMapReachesTheConsumerWithItsCause() throws Exception {
        IllegalStateException boom = new IllegalStateException("bad sample 7");
        Dataset ds = countingStream(20, null, null).map(s -> {
            if (s.get(1).getLong() == 7) throw boom;
            return s;
        }, 3);
        Iterator<Sample> it = ds.iterator();
        for (int i = 0; i < 7; i++) it.next();
        var e = assertThrows(CompletionException.class, it::next);
        assertSame(boom, e.getCause());
        assertTrue(e.getMessage().contains("element 7"), e.getMessage());
        assertFalse(it.hasNext());
        assertNoLiveThreads("myelin-map");
    }

    static void assertNoLiveThreads(String prefix) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        List<String> alive;
        do {
            alive = Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith(prefix) && t.isAlive()).map(Thread::getName).toList();
            if (alive.isEmpty()) return;
            Thread.sleep(10);
        } while (System.nanoTime() < deadline);
        fail("threads still running: " + alive);
    }

    @Test
    void linesOfAFileStreamAndBadLinesNameTheirPlace(@TempDir Path dir) throws IOException {
        Path csv = dir.resolve("points.csv");
        Files.writeString(csv, "a,b,label\n1,2,0\n3,4,1\n5,6,2\n");
        Dataset ds = Dataset.fromLines(csv, 1, line -> {
            String[] f = line.split(",");
            return Sample.of(Tensor.of(new float[]{Float.parseFloat(f[0]), Float.parseFloat(f[1])}), scalarLong(Long.parseLong(f[2])));
        });
        assertFalse(ds.inMemory());
        Batch b = ds.batch(8).epoch(0).next();
        assertArrayEquals(new float[]{1, 2, 3, 4, 5, 6}, b.x().get(0).toFloatArray());
        assertArrayEquals(new long[]{0, 1, 2}, b.y().get(0).toLongArray());
        // Read afresh each epoch.
        assertEquals(3, labels(ds, 1).size());

        Files.writeString(csv, "a,b,label\n1,2,0\n3,x,1\n");
        var e = assertThrows(IllegalArgumentException.class, () -> labels(ds, 0));
        assertTrue(e.getMessage().contains(csv.toString()) && e.getMessage().contains("line 3") && e.getMessage().contains("3,x,1"), e.getMessage());
        var missing = assertThrows(java.io.UncheckedIOException.class, () -> Dataset.fromLines(dir.resolve("nope.csv"), l -> null).iterator());
        assertTrue(missing.getMessage().contains("nope.csv"), missing.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Dataset.fromLines(csv, -1, l -> null));
        // take stops reading (and closes the file) once it has enough; the bad line 3 is never parsed.
        assertEquals(1, labels(ds.take(1), 0).size());
    }

    @Test
    void oneHotEncodesLabelsOnBothPaths() {
        Tensor y = Tensor.ofLongs(new long[]{2, 0, 1, 2}, 4);
        Tensor expected = Indexing.oneHot(y, 3);
        Batch fast = Dataset.of(rowsX(4), y).oneHot(1, 3).batch(4).epoch(0).next();
        Batch slow = Dataset.of(rowsX(4), y).map(s -> s).oneHot(1, 3).batch(4).epoch(0).next();
        for (Batch b : List.of(fast, slow)) {
            assertArrayEquals(new int[]{4, 3}, b.y().get(0).shape());
            assertArrayEquals(expected.toFloatArray(), b.y().get(0).toFloatArray());
        }
        var e = assertThrows(IllegalArgumentException.class, () -> Dataset.of(rowsX(4), y).oneHot(1, 2));
        assertTrue(e.getMessage().contains("label 2") && e.getMessage().contains("numClasses 2"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Dataset.of(rowsX(4), y).oneHot(2, 3));
    }

    @Test
    void materializeStacksAStreamIntoArrays() {
        Dataset mem = countingStream(6, null, null).materialize();
        assertTrue(mem.inMemory());
        assertEquals(6, mem.size());
        assertEquals(List.of(0, 1, 2, 3, 4, 5), labels(mem, 0));
        Dataset shuffled = Dataset.of(rowsX(6), ids(6)).shuffle(8);
        assertEquals(labels(shuffled, 0), labels(shuffled.materialize(), 0));
        assertEquals(labels(shuffled, 0), labels(shuffled.materialize(), 3), "fixed to the epoch-0 order");
    }

    @Test
    void badInputIsRejectedWithWhatWasExpected() {
        var e = assertThrows(IllegalArgumentException.class, () -> Dataset.of(rowsX(5), ids(4)));
        assertTrue(e.getMessage().contains("array 0 has 5") && e.getMessage().contains("array 1 has 4"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Dataset.of(Tensor.scalar(1f)));
        assertTrue(e.getMessage().contains("scalar"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Dataset.of());
        Dataset ds = Dataset.of(rowsX(5), ids(5));
        e = assertThrows(IllegalArgumentException.class, () -> ds.batch(0));
        assertTrue(e.getMessage().contains("at least 1, got 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ds.shuffle(1, 0));
        assertTrue(e.getMessage().contains("buffer size"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ds.take(-1));
        assertThrows(IllegalArgumentException.class, () -> ds.skip(-2));
        e = assertThrows(IllegalArgumentException.class, () -> ds.map(s -> s, 0));
        assertTrue(e.getMessage().contains("parallelism"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Dataset.indexed(-1, i -> null));
        e = assertThrows(IllegalArgumentException.class, () -> Sample.of());
        assertTrue(e.getMessage().contains("at least one tensor"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Sample.of(Tensor.zeros(2), null));
        assertTrue(e.getMessage().contains("tensor 1") && e.getMessage().contains("null"), e.getMessage());

        // Samples of different shapes cannot share a batch.
        Dataset ragged = Dataset.indexed(3, i -> Sample.of(Tensor.zeros(i + 1), Tensor.scalar(i)));
        e = assertThrows(IllegalArgumentException.class, () -> ragged.batch(3).epoch(0).next());
        assertTrue(e.getMessage().contains("sample 1") && e.getMessage().contains("(2,)") && e.getMessage().contains("(1,)")
                && e.getMessage().contains("equal shapes"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ds.map(s -> null).iterator().next());
        assertTrue(e.getMessage().contains("returned null"), e.getMessage());
    }

    // ------------------------------------------------------------------ training through fit

    /** Three Gaussian blobs in the plane, 200 points each; labels 0-2 as int64. */
    static Tensor[] blobs(long seed) {
        Rng rng = new Rng(seed);
        float[][] centers = {{-2, -2}, {2, -2}, {0, 2}};
        int n = 600;
        float[] x = new float[2 * n];
        long[] y = new long[n];
        for (int i = 0; i < n; i++) {
            int c = i % 3;
            x[2 * i] = centers[c][0] + 0.6f * (float) rng.nextGaussian();
            x[2 * i + 1] = centers[c][1] + 0.6f * (float) rng.nextGaussian();
            y[i] = c;
        }
        return new Tensor[]{Tensor.wrap(x, n, 2), Tensor.ofLongs(y, n)};
    }

    static Model mlp() {
        Model m = new Sequential(new InputLayer(2), new Dense(16, "relu"), new Dense(3, "softmax")).seed(5);
        return m.compile(new Adam(0.01f), "sparse_categorical_crossentropy", "accuracy");
    }

    static float[] weights(Model m) {
        List<Float> all = new ArrayList<>();
        for (Parameter p : m.weights()) for (float v : p.value().toFloatArray()) all.add(v);
        float[] out = new float[all.size()];
        for (int i = 0; i < out.length; i++) out[i] = all.get(i);
        return out;
    }

    @Test
    void fitTrainsOnAShuffledPrefetchedDatasetAndPrefetchChangesNothing() {
        Tensor[] data = blobs(17);
        List<Dataset> parts = Dataset.of(data[0], data[1]).split(3, 0.8, 0.2);
        FitOptions options = new FitOptions().epochs(6).verbose(0);

        Model prefetched = mlp();
        History h1 = prefetched.fit(parts.get(0).shuffle(7).batch(32).prefetch(2), parts.get(1).batch(64), options);
        Model plain = mlp();
        History h2 = plain.fit(parts.get(0).shuffle(7).batch(32), parts.get(1).batch(64), options);

        assertTrue(h1.last("val_accuracy") > 0.9, h1.toString());
        assertTrue(prefetched.evaluate(Dataset.of(data[0], data[1]).batch(128)).get("accuracy") > 0.9);
        assertEquals(h1.get("loss"), h2.get("loss"), "prefetching must not change the batches or their order");
        assertEquals(h1.get("val_loss"), h2.get("val_loss"));
        assertArrayEquals(weights(plain), weights(prefetched));
    }

    @Test
    void fitResumedAtAnEpochOnAFreshPipelineMatchesAnUninterruptedRun() {
        Tensor[] data = blobs(23);
        Model whole = mlp();
        whole.fit(Dataset.of(data[0], data[1]).shuffle(31).batch(50), null, new FitOptions().epochs(4).verbose(0));

        Model resumed = mlp();
        resumed.fit(Dataset.of(data[0], data[1]).shuffle(31).batch(50), null, new FitOptions().epochs(2).verbose(0));
        // As after a restart: a new pipeline object, started at epoch 2.
        resumed.fit(Dataset.of(data[0], data[1]).shuffle(31).batch(50).prefetch(1), null, new FitOptions().epochs(4).initialEpoch(2).verbose(0));
        assertArrayEquals(weights(whole), weights(resumed));

        Model otherSeed = mlp();
        otherSeed.fit(Dataset.of(data[0], data[1]).shuffle(32).batch(50), null, new FitOptions().epochs(4).verbose(0));
        assertFalse(Arrays.equals(weights(whole), weights(otherSeed)), "a different shuffle seed gives a different run");
    }
}
