package dev.myelin.serve;

import dev.myelin.compress.Pruning;
import dev.myelin.compress.QuantizeOptions;
import dev.myelin.compress.Quantizer;
import dev.myelin.nn.Layer;
import dev.myelin.nn.Model;
import dev.myelin.nn.io.ModelFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static dev.myelin.serve.ServeTestSupport.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Compressed model files (int8 from myelin-compress's Quantizer, pruned and saved with sparse
 * kernels by Pruning.compact) serve over HTTP like any other: the answers equal
 * {@code Model.predict} of the model loaded back from the same file, JSON and binary.
 */
@Timeout(60)
class CompressedModelServeTest {

    @Test
    void quantizedAndPrunedModelsServeWhatPredictGives(@TempDir Path repo) throws Exception {
        Model int8 = Quantizer.dynamic(mlp(1), QuantizeOptions.defaults().keepLastFloat(false));
        Model pruned = mlp(2);
        Pruning.magnitude(pruned, 0.8f, Pruning.Scope.LAYER, Set.of());
        Model sparse = Pruning.compact(pruned);
        Path int8File = save(int8, repo, "mlp-int8", 1);
        Path sparseFile = save(sparse, repo, "mlp-pruned", 1);

        Model int8Back = ModelFile.load(int8File), sparseBack = ModelFile.load(sparseFile);
        assertTrue(int8Back.layers().stream().map(Layer::className).toList().contains("QuantizedDense"));
        assertTrue(sparseBack.layers().stream().map(Layer::className).toList().contains("SparseDense"));

        InferenceServer server = InferenceServer.builder(repo).port(0).pollInterval(Duration.ZERO).start();
        try (KServeClient client = new KServeClient(server.uri())) {
            Random random = new Random(11);
            for (String name : List.of("mlp-int8", "mlp-pruned")) {
                Model reference = name.equals("mlp-int8") ? int8Back : sparseBack;
                for (int rows : new int[]{1, 5}) {
                    float[] x = features(random, rows);
                    float[] expected = predict(reference, x, rows);
                    for (boolean binary : new boolean[]{false, true}) {
                        KServeClient.InferResult r = client.infer(name, null, List.of(InferTensor.fp32("input", x, rows, FEATURES)), binary);
                        assertEquals(name, r.modelName());
                        InferTensor out = r.output(reference.layers().getLast().name());
                        assertArrayEquals(new int[]{rows, CLASSES}, out.shape());
                        assertClose(expected, out.floats());
                    }
                }
            }
        } finally {
            server.stop();
        }
    }
}
