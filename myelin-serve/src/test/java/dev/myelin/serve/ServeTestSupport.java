package dev.myelin.serve;

import dev.myelin.core.Rng;
import dev.myelin.core.Tensor;
import dev.myelin.nn.Input;
import dev.myelin.nn.Model;
import dev.myelin.nn.Parameter;
import dev.myelin.nn.Sequential;
import dev.myelin.nn.SymbolicTensor;
import dev.myelin.nn.io.ModelFile;
import dev.myelin.nn.layers.BatchNormalization;
import dev.myelin.nn.layers.Concatenate;
import dev.myelin.nn.layers.Dense;
import dev.myelin.nn.layers.Embedding;
import dev.myelin.nn.layers.GlobalAveragePooling1D;
import dev.myelin.nn.layers.Normalization;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Tiny models made in the tests, a repository folder to save them in, and comparisons. */
final class ServeTestSupport {
    private ServeTestSupport() {}

    static final int FEATURES = 4, CLASSES = 3, SEQ = 5, VOCAB = 20;

    /**
     * Normalization (preprocessing saved in the model, so clients send raw features), Dense, a
     * BatchNormalization with non-trivial moving statistics, and a softmax: (batch, 4) -> (batch, 3).
     */
    static Model mlp(long seed) {
        Rng rng = new Rng(seed);
        Normalization norm = new Normalization();
        BatchNormalization bn = new BatchNormalization();
        Sequential m = new Sequential(norm, new Dense(8, "relu"), bn, new Dense(CLASSES, "softmax"));
        m.seed(seed);
        m.inputShape(FEATURES);
        norm.adapt(Tensor.randn(rng, 64, FEATURES).mul(3f).add(5f));
        for (Parameter p : bn.weights()) {
            if (p.name().equals("moving_mean")) p.assign(Tensor.randn(rng, p.shape()));
            if (p.name().equals("moving_variance")) p.assign(Tensor.rand(rng, p.shape()).add(0.5f));
        }
        return m;
    }

    /** Ids (batch, 5) -> Embedding -> average -> Dense: an INT64 input. */
    static Model ids(long seed) {
        Sequential m = new Sequential(new Embedding(VOCAB, 4), new GlobalAveragePooling1D(), new Dense(2));
        m.seed(seed);
        m.inputShape(SEQ);
        return m;
    }

    /** Two inputs, a (batch, 3) and b (batch, 2), concatenated into a Dense(2). */
    static Model pair(long seed) {
        SymbolicTensor a = Input.of("a", 3), b = Input.of("b", 2);
        Model m = Model.of(List.of(a, b), List.of(new Dense(2).apply(new Concatenate(-1).apply(a, b))));
        m.seed(seed);
        return m;
    }

    static Path save(Model m, Path repo, String name, long version) throws IOException {
        Path dir = Files.createDirectories(repo.resolve(name).resolve(Long.toString(version)));
        Path file = dir.resolve("model.myelin");
        ModelFile.save(m, file);
        return file;
    }

    static void config(Path repo, String name, String json) throws IOException {
        Files.createDirectories(repo.resolve(name));
        Files.writeString(repo.resolve(name).resolve(ModelConfig.FILE_NAME), json);
    }

    static float[] features(Random r, int rows) {
        float[] x = new float[rows * FEATURES];
        for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextGaussian() * 3 + 5);
        return x;
    }

    /** The model's own answer for these rows, the reference for every served answer. */
    static float[] predict(Model m, float[] x, int rows) {
        return m.predict(Tensor.of(x, rows, x.length / rows)).toFloatArray();
    }

    static void assertClose(float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length, "value count");
        for (int i = 0; i < expected.length; i++) {
            float tol = 1e-5f + 1e-5f * Math.abs(expected[i]);
            assertTrue(Math.abs(expected[i] - actual[i]) <= tol, "value " + i + ": expected " + expected[i] + ", got " + actual[i]);
        }
    }

    /** A raw request with any body, for what the client would never send. */
    static HttpResponse<String> raw(HttpClient http, URI base, String method, String path, byte[] body, String... headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        for (int i = 0; i + 1 < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
