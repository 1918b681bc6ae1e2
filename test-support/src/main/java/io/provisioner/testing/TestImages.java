package io.provisioner.testing;

/** The container images the suite runs on with Docker; docker-compose.yml uses the same (ComposeFileIT). */
public final class TestImages {

    public static final String KAFKA = "apache/kafka:4.1.0";
    public static final String POSTGRES = "postgres:17";

    private TestImages() {}
}
