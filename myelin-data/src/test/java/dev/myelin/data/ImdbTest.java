package dev.myelin.data;

import dev.myelin.core.DType;
import dev.myelin.data.text.Imdb;
import dev.myelin.data.text.Sequences;
import dev.myelin.data.text.WordTokenizer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class ImdbTest {

    private static Imdb full;

    /** The 50,000 reviews, read once for the tests that need them; skips when they are not installed. */
    static synchronized Imdb full() throws IOException {
        Path p = Imdb.defaultPath();
        Assumptions.assumeTrue(Files.isRegularFile(p), "IMDB reviews not installed at " + p + "; run scripts/datasets imdb to include this test");
        if (full == null) full = Imdb.load(p);
        return full;
    }

    @Test
    void fileLayoutAndOriginalSplit() throws IOException {
        Imdb all = full();
        assertEquals(50_000, all.size());
        assertEquals(25_000, all.positives());
        // Not train-then-test: the first half is all negative (what the class comment documents).
        for (int i = 0; i < 25_000; i++) assertEquals(0, all.labels()[i]);
        assertTrue(all.texts().get(0).startsWith("Once again Mr. Costner has dragged out a movie")); // aclImdb test/neg/0_2.txt

        Imdb.Split s = all.originalSplit();
        assertEquals(25_000, s.train().size());
        assertEquals(25_000, s.test().size());
        assertEquals(12_500, s.train().positives());
        assertEquals(12_500, s.test().positives());
        assertTrue(s.train().texts().get(0).startsWith("Story of a man who has unnatural feelings for a pig")); // train/neg/0_3.txt
        assertTrue(s.train().texts().get(12_500).startsWith("Bromwell High is a cartoon comedy")); // train/pos/0_9.txt
        assertTrue(s.test().texts().get(12_500).startsWith("I went and saw this movie last night")); // test/pos/0_10.txt
        assertEquals(DType.INT64, s.train().labelTensor().dtype());
        assertEquals(1L, s.train().labelTensor().getLong(12_500));
    }

    @Test
    void seededStratifiedSplit() throws IOException {
        Imdb all = full();
        Imdb.Split a = all.split(42), b = all.split(42), c = all.split(7);
        assertEquals(25_000, a.train().size());
        assertEquals(12_500, a.train().positives());
        assertEquals(12_500, a.test().positives());
        assertEquals(a.train().texts(), b.train().texts()); // same seed, same split
        assertNotEquals(a.train().texts(), c.train().texts());
        // Together the halves are the whole set (by position: the file has duplicate texts).
        Set<String> distinct = new HashSet<>(a.train().texts());
        distinct.addAll(a.test().texts());
        assertEquals(new HashSet<>(all.texts()), distinct);
    }

    @Test
    void tokenizerOnTheTrainingReviews() throws IOException {
        Imdb.Split s = full().originalSplit();
        // 2,500 reviews of each label keep the test fast; fitting all 25,000 takes a few seconds.
        List<String> some = new java.util.ArrayList<>(s.train().texts().subList(0, 2_500));
        some.addAll(s.train().texts().subList(12_500, 15_000));
        WordTokenizer tok = WordTokenizer.builder().numWords(10_000).fit(some);
        assertEquals(10_000, tok.vocabSize());
        assertEquals(2, tok.indexOf("the")); // the most frequent word of the reviews
        assertTrue(tok.wordCount() > 10_000, "distinct words: " + tok.wordCount());
        var x = Sequences.pad(tok.textsToSequences(s.test().texts().subList(0, 100)), 200);
        assertArrayEquals(new int[]{100, 200}, x.shape());
        for (int v : x.toIntArray()) assertTrue(v >= 0 && v < 10_000);
    }

    @Test
    void smallFilesAndTheirErrors(@TempDir Path dir) throws IOException {
        Path ok = dir.resolve("r.json");
        Files.writeString(ok, "[{\"t\": \"good\", \"s\": 1}, {\"s\": 0, \"t\": \"bad\", \"extra\": [1, {\"x\": 2}]}]");
        Imdb i = Imdb.load(ok);
        assertEquals(List.of("good", "bad"), i.texts());
        assertArrayEquals(new int[]{1, 0}, i.labels());
        var notLaidOut = assertThrows(IllegalStateException.class, i::originalSplit);
        assertTrue(notLaidOut.getMessage().contains("use split(seed)"), notLaidOut.getMessage());

        Path label = dir.resolve("l.json");
        Files.writeString(label, "[\n{\"t\": \"a\", \"s\": 1},\n{\"t\": \"b\", \"s\": 2}\n]");
        var e = assertThrows(IOException.class, () -> Imdb.load(label));
        assertTrue(e.getMessage().startsWith(label + ": line 3, column 17, byte 38: entry 1: \"s\" must be 0 or 1, found 2"), e.getMessage());

        Path missing = dir.resolve("m.json");
        Files.writeString(missing, "[{\"t\": \"a\", \"s\": 1}, {\"s\": 0}]");
        var e2 = assertThrows(IOException.class, () -> Imdb.load(missing));
        assertTrue(e2.getMessage().contains("entry 1 (line 1, column 22, byte 21): missing \"t\""), e2.getMessage());

        Path obj = dir.resolve("o.json");
        Files.writeString(obj, "{\"t\": \"a\"}");
        assertTrue(assertThrows(IOException.class, () -> Imdb.load(obj)).getMessage().contains("expected a JSON array"));

        Path broken = dir.resolve("b.json");
        Files.writeString(broken, "[{\"t\": \"a\", \"s\": 1},");
        assertTrue(assertThrows(IOException.class, () -> Imdb.load(broken)).getMessage().contains("invalid JSON"));
        assertThrows(java.io.FileNotFoundException.class, () -> Imdb.load(dir.resolve("none.json")));
    }
}
