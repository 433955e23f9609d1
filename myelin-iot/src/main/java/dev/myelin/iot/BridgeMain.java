package dev.myelin.iot;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * Runs one bridge from a JSON config until the process is stopped (SIGINT or SIGTERM close it
 * cleanly: results in flight are published, the status goes offline).
 *
 * <pre>java -cp myelin-iot.jar:... dev.myelin.iot.BridgeMain bridge.json</pre>
 */
public final class BridgeMain {
    private BridgeMain() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 1 || args[0].startsWith("-")) {
            System.err.println("usage: BridgeMain <bridge.json>   (keys: see BridgeConfig.load)");
            System.exit(2);
        }
        Path file = Path.of(args[0]);
        if (!Files.isRegularFile(file)) {
            System.err.println("myelin-iot: " + file + ": no such file");
            System.exit(2);
        }
        BridgeConfig config = BridgeConfig.load(file);
        MqttBridge bridge = MqttBridge.start(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            bridge.close();
            System.err.println("myelin-iot: stopped; " + bridge.stats());
            stopped.countDown();
        }));
        System.err.printf("myelin-iot: bridge %s on %s, topics %s, windows of %s%n", config.clientId(), config.brokerUrl(), config.topics(),
                config.windowSize() == 0 ? "the model's input length" : config.windowSize() + " readings");
        stopped.await();
    }
}
