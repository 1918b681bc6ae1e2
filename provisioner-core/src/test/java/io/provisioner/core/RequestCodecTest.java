package io.provisioner.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.provisioner.core.errors.FatalException;
import io.provisioner.core.events.OwnerRef;
import io.provisioner.core.events.ProvisionRequest;
import io.provisioner.core.events.RequestCodec;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RequestCodecTest {

    private static byte[] json(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void writesTheContractShape() {
        ProvisionRequest r = ProvisionRequest.of(
                new OwnerRef("teacher", "t-1"),
                ProvisionRequest.Op.UPSERT,
                new ProvisionRequest.Source("public.teachers", 123L, 456L),
                Instant.parse("2026-01-02T03:04:05Z"));
        String s = new String(RequestCodec.encode(r), StandardCharsets.UTF_8);
        assertThat(s)
                .contains("\"owner_type\":\"teacher\"", "\"owner_id\":\"t-1\"", "\"op\":\"upsert\"")
                .contains("\"source\":{\"table\":\"public.teachers\",\"lsn\":123,\"ts_ms\":456}")
                .contains("\"requested_at\":\"2026-01-02T03:04:05Z\"");
        assertThat(RequestCodec.decode(RequestCodec.encode(r))).isEqualTo(r);
    }

    @Test
    void toleratesUnknownFieldsAndMissingSource() {
        ProvisionRequest r = RequestCodec.decode(
                json("{\"owner_type\":\"organization\",\"owner_id\":\"o\",\"op\":\"delete\",\"x\":1}"));
        assertThat(r.op()).isEqualTo(ProvisionRequest.Op.DELETE);
        assertThat(r.source()).isNull();
    }

    @Test
    void rejectsWhatCannotBeProcessedWithAReason() {
        assertThatThrownBy(() -> RequestCodec.decode(json("not json")))
                .isInstanceOf(FatalException.class)
                .hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> RequestCodec.decode(json("{\"owner_type\":\"teacher\",\"op\":\"upsert\"}")))
                .hasMessageContaining("owner_id");
        assertThatThrownBy(() ->
                        RequestCodec.decode(json("{\"owner_type\":\"teacher\",\"owner_id\":\"1\",\"op\":\"merge\"}")))
                .hasMessageContaining("unknown op");
        assertThatThrownBy(() ->
                        RequestCodec.decode(json("{\"owner_type\":\"student\",\"owner_id\":\"1\",\"op\":\"upsert\"}")))
                .hasMessageContaining("unknown owner_type");
        assertThatThrownBy(() ->
                        RequestCodec.decode(json("{\"owner_type\":\"teacher\",\"owner_id\":\" \",\"op\":\"upsert\"}")))
                .hasMessageContaining("blank");
        ProvisionRequest oversized = RequestCodec.decode(
                json("{\"owner_type\":\"teacher\",\"owner_id\":\"" + "x".repeat(257) + "\",\"op\":\"upsert\"}"));
        assertThatThrownBy(() -> oversized.owner().validate())
                .as("readable, so that it is dead-lettered as the owner's; never provisioned")
                .hasMessageContaining("257");
        assertThatThrownBy(() -> RequestCodec.decode(null)).hasMessageContaining("null");
    }

    @Test
    void ownerIdsWithQuotesAndEmojiAreOnlyData() {
        String id = "o'; drop table x; -- \"\uD83D\uDE00";
        ProvisionRequest r =
                ProvisionRequest.of(new OwnerRef("organization", id), ProvisionRequest.Op.UPSERT, null, null);
        assertThat(RequestCodec.decode(RequestCodec.encode(r)).ownerId()).isEqualTo(id);
    }

    @Test
    void recordKeyParsesBackToTheOwner() {
        assertThat(OwnerRef.parseKey("teacher:a:b")).isEqualTo(new OwnerRef("teacher", "a:b"));
        assertThatThrownBy(() -> OwnerRef.parseKey("nokey")).isInstanceOf(FatalException.class);
    }
}
