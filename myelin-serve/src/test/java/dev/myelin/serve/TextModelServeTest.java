package dev.myelin.serve;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.myelin.core.Tensor;
import dev.myelin.data.text.Sequences;
import dev.myelin.data.text.TextPreprocessing;
import dev.myelin.data.text.WordTokenizer;
import dev.myelin.nn.Model;
import dev.myelin.nn.Sequential;
import dev.myelin.nn.io.ModelFile;
import dev.myelin.nn.layers.Dense;
import dev.myelin.nn.layers.Embedding;
import dev.myelin.nn.layers.GlobalAveragePooling1D;
import dev.myelin.nn.layers.InputLayer;
import dev.myelin.nn.layers.LSTM;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static dev.myelin.serve.ServeTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * A text model saved as the IMDB example saves one (model.myelin with its text preprocessing in
 * the training metadata, vocab.json beside it): clients send raw texts (BYTES) and get what the
 * model gives on the ids the training code would have made; ids still work.
 */
@Timeout(60)
class TextModelServeTest {
    static final List<String> CORPUS = List.of("a good film, very good", "a bad film.<br />Bad acting", "good acting and a good story",
            "boring story, bad film", "the best film of the year");
    static final int MAXLEN = 6;

    @Test
    void rawTextsAreTokenizedAsInTrainingAndAnsweredLikeIds(@TempDir Path repo) throws Exception {
        WordTokenizer tok = WordTokenizer.builder().numWords(12).fit(CORPUS);
        TextPreprocessing prep = new TextPreprocessing(tok, "vocab.json", MAXLEN, Sequences.Side.PRE, Sequences.Side.PRE, Pattern.compile("<br\\s*/?>"));
        // an Embedding - LSTM - Dense model like the IMDB example's, small
        Sequential model = new Sequential((InputLayer) new InputLayer(MAXLEN).name("text"), new Embedding(tok.vocabSize(), 4), new LSTM(3), new Dense(1, "sigmoid"));
        model.seed(3);
        Path dir = Files.createDirectories(repo.resolve("reviews/1"));
        tok.save(dir.resolve("vocab.json"));
        ModelFile.save(model, dir.resolve("model.myelin"), Map.of(TextPreprocessing.KEY, prep.toMap()));
        // the same network without text preprocessing: ids only
        Sequential plain = new Sequential((InputLayer) new InputLayer(MAXLEN).name("text"), new Embedding(tok.vocabSize(), 4), new GlobalAveragePooling1D(), new Dense(2));
        plain.seed(4);
        save(plain, repo, "plain", 1);

        List<String> texts = List.of("A good film<br/>with a good story", "bad", "words never seen before in training at all, none of them", "");
        // what the training code does: strip, tokenize, pad; then the model
        List<String> stripped = texts.stream().map(t -> t.replaceAll("(?i)<br\\s*/?>", " ")).toList();
        Tensor ids = Sequences.pad(tok.textsToSequences(stripped), MAXLEN);
        float[] expected = model.predict(ids).toFloatArray();

        try (InferenceServer server = InferenceServer.builder(repo).port(0).pollInterval(Duration.ZERO).start();
             KServeClient client = new KServeClient(server.uri())) {
            assertTrue(client.modelReady("reviews"), "the text model loads");
            // JSON: BYTES data as strings, shape [rows]
            for (boolean binary : new boolean[]{false, true}) {
                var out = client.infer("reviews", null, List.of(InferTensor.strings("text", texts)), binary);
                assertArrayEquals(new int[]{texts.size(), 1}, out.outputs().getFirst().shape());
                assertClose(expected, out.outputs().getFirst().floats());
            }
            // one text per request, batched with others: the same answers
            for (int i = 0; i < texts.size(); i++) {
                var out = client.infer("reviews", List.of(InferTensor.strings("text", List.of(texts.get(i)))));
                assertClose(new float[]{expected[i]}, out.outputs().getFirst().floats());
            }
            // the ids still work, and give the same
            var byIds = client.infer("reviews", List.of(InferTensor.int64("text", ids.toLongArray(), texts.size(), MAXLEN)));
            assertClose(expected, byIds.outputs().getFirst().floats());

            // a raw JSON request as curl would send it, shape [rows, 1]
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> r = raw(http, server.uri(), "POST", "/v2/models/reviews/infer",
                    utf8("{\"inputs\": [{\"name\": \"text\", \"shape\": [2, 1], \"datatype\": \"BYTES\", \"data\": [\"bad\", \"A good film<br/>with a good story\"]}]}"));
            assertEquals(200, r.statusCode(), r.body());
            List<?> data = (List<?>) ((Map<?, ?>) ((List<?>) JSON.std.mapFrom(r.body()).get("outputs")).getFirst()).get("data");
            assertEquals(expected[1], ((Number) data.get(0)).floatValue(), 1e-5);
            assertEquals(expected[0], ((Number) data.get(1)).floatValue(), 1e-5);

            // metadata advertises the text input and what it becomes
            Map<String, Object> meta = client.modelMetadata("reviews");
            Map<?, ?> in = (Map<?, ?>) ((List<?>) meta.get("inputs")).getFirst();
            assertEquals("BYTES", in.get("datatype"));
            assertEquals(List.of(-1, MAXLEN), ((Map<?, ?>) in.get("parameters")).get("ids_shape"));

            // texts for a model without a tokenizer: a clear 400
            KServeException e = assertThrows(KServeException.class,
                    () -> client.infer("plain", List.of(InferTensor.strings("text", List.of("good")))));
            assertEquals(400, e.status());
            assertTrue(e.getMessage().contains("not saved with text preprocessing"), e.getMessage());
            // texts of the wrong shape
            r = raw(http, server.uri(), "POST", "/v2/models/reviews/infer",
                    utf8("{\"inputs\": [{\"name\": \"text\", \"shape\": [1, 2], \"datatype\": \"BYTES\", \"data\": [\"a\", \"b\"]}]}"));
            assertEquals(400, r.statusCode());
            assertTrue(r.body().contains("one text per row"), r.body());
        }
    }

    @Test
    void aMissingTokenizerFileMakesTheVersionUnavailableWithTheReason(@TempDir Path repo) throws Exception {
        WordTokenizer tok = WordTokenizer.builder().fit(CORPUS);
        TextPreprocessing prep = new TextPreprocessing(tok, "vocab.json", MAXLEN, Sequences.Side.PRE, Sequences.Side.PRE, null);
        Model model = new Sequential((InputLayer) new InputLayer(MAXLEN).name("text"), new Embedding(tok.vocabSize(), 4), new GlobalAveragePooling1D(), new Dense(1));
        Path dir = Files.createDirectories(repo.resolve("reviews/1"));
        ModelFile.save(model, dir.resolve("model.myelin"), Map.of(TextPreprocessing.KEY, prep.toMap()));   // vocab.json not written
        try (InferenceServer server = InferenceServer.builder(repo).port(0).pollInterval(Duration.ZERO).start();
             KServeClient client = new KServeClient(server.uri())) {
            KServeException e = assertThrows(KServeException.class, () -> client.infer("reviews", List.of(InferTensor.strings("text", List.of("good")))));
            assertEquals(503, e.status());
            assertTrue(e.getMessage().contains("vocab.json"), e.getMessage());
        }
    }
}
