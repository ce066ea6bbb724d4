package dev.pairstream.service;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pairstream.contracts.topic.TopicDefinition;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.awaitility.Awaitility;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/**
 * Start-up checks that every service runs against a real broker: health, metrics and topic set-up.
 * A service's test extends this class and adds {@code @QuarkusTest} with the in-JVM broker as a test resource.
 */
public abstract class ServiceStartupChecks {

    /** Returns the topics the service under test must read or write. */
    protected abstract List<TopicDefinition<?, ?>> expectedTopics();

    @Test
    void shouldReportUpOnHealthOnceConnectedToKafka() {
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
                given().when().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP")));

        given().when().get("/q/health")
                .then()
                .statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.name", hasItems(TopicsReadinessCheck.NAME, KafkaConnectionCheck.NAME));
    }

    @Test
    void shouldServeMetricsInPrometheusTextFormat() {
        // Prometheus' own scrapers ask for this format; without the header the registry answers in OpenMetrics.
        given().accept("text/plain").when().get("/q/metrics")
                .then()
                .statusCode(200)
                .contentType(startsWith("text/plain; version=0.0.4"))
                .body(containsString("# TYPE jvm_memory_used_bytes gauge"))
                .body(containsString("# TYPE process_cpu_usage gauge"));
    }

    @Test
    void shouldCreateEveryTopicItTouchesWithTheDefinedLayout() throws Exception {
        String bootstrapServers = ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class);
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
                given().when().get("/q/health/ready").then().statusCode(200));

        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            Set<String> names = expectedTopics().stream().map(TopicDefinition::name).collect(Collectors.toSet());
            Map<String, TopicDescription> descriptions = admin.describeTopics(names).allTopicNames()
                    .get(30, TimeUnit.SECONDS);
            for (TopicDefinition<?, ?> topic : expectedTopics()) {
                TopicDescription description = descriptions.get(topic.name());
                assertThat(description).as("topic %s", topic.name()).isNotNull();
                assertEquals(topic.partitions(), description.partitions().size(), topic.name() + " partitions");

                ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic.name());
                String cleanupPolicy = admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS)
                        .get(resource).get(TopicConfig.CLEANUP_POLICY_CONFIG).value();
                assertEquals(topic.compacted() ? TopicConfig.CLEANUP_POLICY_COMPACT : TopicConfig.CLEANUP_POLICY_DELETE,
                        cleanupPolicy, topic.name() + " cleanup.policy");
            }
        }
    }
}
