package dev.myelin.serve;

import dev.myelin.nn.Model;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static dev.myelin.serve.ServeTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/** Clients that stop halfway, in the body or in the headers, are cut off; good requests are answered meanwhile. */
@Timeout(30)
class SlowClientTest {
    @Test
    void slowClientsDoNotHoldTheServer(@TempDir Path repo) throws Exception {
        Model mlp = mlp(1);
        save(mlp, repo, "mlp", 1);
        try (InferenceServer server = InferenceServer.builder(repo).port(0).bodyTimeout(Duration.ofMillis(600))
                .idleTimeout(Duration.ofMillis(1000)).pollInterval(Duration.ZERO).start();
             KServeClient client = new KServeClient(server.uri());
             ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<String>> slow = new ArrayList<>();
            for (int i = 0; i < 4; i++) slow.add(pool.submit(() -> stalledBody(server.port())));
            Future<Integer> stalledHeaders = pool.submit(() -> stalledHeaders(server.port()));
            Random random = new Random(3);
            for (int i = 0; i < 5; i++) assertGoodRequest(client, mlp, random);
            for (Future<String> f : slow) {
                String answer = f.get();
                assertTrue(answer.startsWith("HTTP/1.1 408"), answer);
                assertTrue(answer.contains("did not arrive within 600 ms"), answer);
            }
            assertEquals(-1, stalledHeaders.get(), "the idle connection is closed");
            // the client's kept-alive connection may have been closed as idle meanwhile: it retries on a new one
            assertGoodRequest(client, mlp, random);
        }
    }

    private static void assertGoodRequest(KServeClient client, Model mlp, Random random) throws Exception {
        float[] x = features(random, 2);
        assertClose(predict(mlp, x, 2), client.infer("mlp", List.of(InferTensor.fp32("input", x, 2, FEATURES))).outputs().getFirst().floats());
    }

    /** Sends headers and part of a body, then nothing; returns what the server answers. */
    private static String stalledBody(int port) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(utf8("POST /v2/models/mlp/infer HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"inputs\": ["));
            out.flush();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Sends half a request line and waits; returns the last read (-1 once the server closes). */
    private static int stalledHeaders(int port) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(utf8("POST /v2/models/mlp/infer HTTP/1.1\r\nHost: 127"));
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            int b;
            do {
                b = in.read();   // Jetty may answer 408 or just close; either way the connection ends
            } while (b >= 0);
            return b;
        }
    }
}
