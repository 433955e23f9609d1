package dev.myelin.data;

import dev.myelin.core.DType;
import dev.myelin.core.Tensor;
import dev.myelin.data.io.TextFiles;
import dev.myelin.data.text.CharTokenizer;
import dev.myelin.data.text.Sequences;
import dev.myelin.data.text.WordTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

class TokenizerTest {

    static final List<String> TEXTS = List.of("The cat sat on the mat.", "The dog ate my homework!");

    @Test
    void wordIndexMatchesKeras() {
        // Keras: Tokenizer(oov_token="<OOV>").fit_on_texts(TEXTS).word_index
        WordTokenizer tok = WordTokenizer.builder().fit(TEXTS);
        Map<String, Integer> expected = new java.util.LinkedHashMap<>();
        String[] words = {"<OOV>", "the", "cat", "sat", "on", "mat", "dog", "ate", "my", "homework"};
        for (int i = 0; i < words.length; i++) expected.put(words[i], i + 1);
        assertEquals(expected, tok.wordIndex());
        assertEquals(List.copyOf(expected.keySet()), List.copyOf(tok.wordIndex().keySet()));
        assertEquals(3, tok.count("the"));
        assertEquals(9, tok.wordCount());
        assertEquals(11, tok.vocabSize());
        // texts_to_sequences(["the cat ate a fish"]) == [[2, 3, 8, 1, 1]]
        assertArrayEquals(new int[]{2, 3, 8, 1, 1}, tok.encode("the cat ate a fish"));
        assertEquals("the cat ate <OOV> <OOV>", tok.decode(new int[]{0, 0, 2, 3, 8, 1, 1}));
        assertEquals(List.of("don't", "stop", "me", "now", "it's", "1979"), tok.words("DON'T stop--me\tnow: it's 1979\r\n"));
    }

    @Test
    void numWordsKeepsTheMostFrequentAndTiesKeepFirstOccurrence() {
        // b: 3, then a, c, d with 2 each in order of first occurrence, then e: 1.
        List<String> texts = List.of("a b c", "d b e", "c a d b");
        WordTokenizer all = WordTokenizer.builder().fit(texts);
        assertEquals(List.of("<OOV>", "b", "a", "c", "d", "e"), List.copyOf(all.wordIndex().keySet()));
        WordTokenizer top = WordTokenizer.builder().numWords(4).fit(texts); // indices 0-3: pad, OOV, b, a
        assertArrayEquals(new int[]{3, 2, 1, 1, 1}, top.encode("a b c d e"));
        assertEquals(4, top.vocabSize());
        assertEquals(6, top.wordIndex().get("e")); // the index keeps every word, as Keras'
        // Refitting the same texts gives the same indices.
        assertEquals(all.wordIndex(), WordTokenizer.builder().fit(texts).wordIndex());
        assertThrows(IllegalArgumentException.class, () -> WordTokenizer.builder().numWords(2));

        WordTokenizer cased = WordTokenizer.builder().lower(false).filters(".").fit(List.of("A a. A"));
        assertEquals(List.of("<OOV>", "A", "a"), List.copyOf(cased.wordIndex().keySet()));
    }

    @Test
    void padAndTruncate() {
        List<int[]> seqs = List.of(new int[]{1, 2, 3}, new int[]{4}, new int[]{5, 6, 7, 8, 9});
        Tensor pre = Sequences.pad(seqs, 3);
        assertEquals(DType.INT32, pre.dtype());
        assertArrayEquals(new int[]{3, 3}, pre.shape());
        assertArrayEquals(new int[]{1, 2, 3, 0, 0, 4, 7, 8, 9}, pre.toIntArray());
        Tensor post = Sequences.pad(seqs, 3, Sequences.Side.POST, Sequences.Side.POST);
        assertArrayEquals(new int[]{1, 2, 3, 4, 0, 0, 5, 6, 7}, post.toIntArray());
        Tensor mixed = Sequences.pad(seqs, 4, Sequences.Side.POST, Sequences.Side.PRE, -1);
        assertArrayEquals(new int[]{1, 2, 3, -1, 4, -1, -1, -1, 6, 7, 8, 9}, mixed.toIntArray());
        Tensor longest = Sequences.pad(seqs);
        assertArrayEquals(new int[]{3, 5}, longest.shape());
        assertArrayEquals(new int[]{0, 0, 1, 2, 3, 0, 0, 0, 0, 4, 5, 6, 7, 8, 9}, longest.toIntArray());
        assertArrayEquals(new int[]{0, 7}, Sequences.pad(List.of(), 7).shape());
        assertThrows(IllegalArgumentException.class, () -> Sequences.pad(seqs, -1));
    }

    @Test
    void wordTokenizerSavesAtomicallyAndLoads(@TempDir Path dir) throws IOException {
        WordTokenizer tok = WordTokenizer.builder().numWords(6).oovToken("[UNK]").fit(TEXTS);
        Path f = dir.resolve("vocab.json");
        Files.writeString(f, "old content");
        tok.save(f);
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(f), s.toList()); // the temporary file was moved, not left behind
        }
        String json = Files.readString(f);
        assertTrue(json.contains("\"format\" : \"myelin.word-tokenizer\"") && json.contains("\"version\" : 1") && json.contains("\"createdBy\""), json);
        WordTokenizer back = WordTokenizer.load(f);
        assertEquals(tok.wordIndex(), back.wordIndex());
        assertEquals(6, back.numWords());
        assertEquals(3, back.count("the"));
        assertArrayEquals(tok.encode("the dog ate the fish"), back.encode("the dog ate the fish"));
        assertEquals("[UNK]", back.word(1));
    }

    @Test
    void versionOneFilesStayLoadable(@TempDir Path dir) throws IOException {
        // A file as version 1 writes it, kept here verbatim so later versions must still read it.
        String v1 = """
                {
                  "format" : "myelin.word-tokenizer",
                  "version" : 1,
                  "createdBy" : "myelin 0.1.0-SNAPSHOT",
                  "numWords" : 0,
                  "lower" : true,
                  "filters" : "!\\"#$%&()*+,-./:;<=>?@[\\\\]^_`{|}~\\t\\n\\r",
                  "split" : " ",
                  "oovToken" : "<OOV>",
                  "words" : [ "the", "cat", "sat" ],
                  "counts" : [ 3, 1, 1 ]
                }
                """;
        Path f = dir.resolve("v1.json");
        Files.writeString(f, v1);
        WordTokenizer t = WordTokenizer.load(f);
        assertArrayEquals(new int[]{2, 3, 4, 1}, t.encode("The cat, sat (dog)"));

        String c1 = """
                {"format": "myelin.char-tokenizer", "version": 1, "createdBy": "myelin 0.1.0-SNAPSHOT",
                 "lower": false, "reserved": true, "codePoints": [10, 32, 97, 98]}
                """;
        Path cf = dir.resolve("c1.json");
        Files.writeString(cf, c1);
        assertArrayEquals(new int[]{4, 5, 3, 2, 1}, CharTokenizer.load(cf).encode("ab \nz"));
    }

    @Test
    void loadErrorsNameTheFileAndTheField(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("v.json");
        Files.writeString(f, "{\"format\": \"myelin.char-tokenizer\", \"version\": 1}");
        var e = assertThrows(IOException.class, () -> WordTokenizer.load(f));
        assertEquals(f + ": \"format\" is \"myelin.char-tokenizer\", expected \"myelin.word-tokenizer\"", e.getMessage());
        Files.writeString(f, "{\"format\": \"myelin.word-tokenizer\", \"version\": 2}");
        var e2 = assertThrows(IOException.class, () -> WordTokenizer.load(f));
        assertTrue(e2.getMessage().contains("\"version\" is 2; this myelin reads versions 1 to 1"), e2.getMessage());
        Files.writeString(f, "{\"format\": \"myelin.word-tokenizer\", \"version\": 1, \"numWords\": 0, \"split\": \" \", \"lower\": true,"
                + " \"filters\": \"\", \"oovToken\": \"<OOV>\", \"words\": [\"a\", \"b\"], \"counts\": [1]}");
        var e3 = assertThrows(IOException.class, () -> WordTokenizer.load(f));
        assertTrue(e3.getMessage().contains("2 words but 1 counts"), e3.getMessage());
        Files.writeString(f, "{\"format\": \"myelin.word-tokenizer\",\n \"version\": }");
        var e4 = assertThrows(IOException.class, () -> WordTokenizer.load(f));
        assertTrue(e4.getMessage().startsWith(f + ": line 2"), e4.getMessage());
    }

    @Test
    void charTokenizerOnTinyShakespeare(@TempDir Path dir) throws IOException {
        Path p = CsvReaderTest.requireShared("tinyshakespeare/input.txt");
        String text = TextFiles.read(p);
        // As char-rnn / nanoGPT: 65 characters sorted, "hii there" -> [46, 47, 47, 1, 58, 46, 43, 56, 43].
        CharTokenizer plain = CharTokenizer.builder().reserved(false).fit(text);
        assertEquals(65, plain.vocabSize());
        assertEquals("\n !$&',-.3:;?ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", String.join("", plain.characters()));
        assertArrayEquals(new int[]{46, 47, 47, 1, 58, 46, 43, 56, 43}, plain.encode("hii there"));
        int[] all = plain.encode(text);
        assertEquals(1_115_394, all.length);
        assertEquals(text, plain.decode(all));
        var e = assertThrows(IllegalArgumentException.class, () -> plain.encode("caf\u00e9"));
        assertTrue(e.getMessage().contains("'\u00e9' (U+00E9) at position 3"), e.getMessage());

        // With the reserved indices everything moves up by two and unknown characters become 1.
        CharTokenizer tok = CharTokenizer.fit(text);
        assertEquals(67, tok.vocabSize());
        assertArrayEquals(new int[]{48, 49, 49, 1}, tok.encode("hii\u00e9"));
        assertEquals("hii\uFFFD", tok.decode(new int[]{0, 48, 49, 49, 1}));

        Path f = dir.resolve("chars.json");
        tok.save(f);
        CharTokenizer back = CharTokenizer.load(f);
        assertEquals(tok.characters(), back.characters());
        assertArrayEquals(tok.encode("First Citizen:"), back.encode("First Citizen:"));

        CharTokenizer lower = CharTokenizer.builder().lower(true).fit(text);
        assertEquals(67 - 26, lower.vocabSize());
        // Characters outside the Basic Multilingual Plane are one token each.
        CharTokenizer emoji = CharTokenizer.fit("a\uD83D\uDE00");
        assertArrayEquals(new int[]{2, 3}, emoji.encode("a\uD83D\uDE00"));
    }
}
