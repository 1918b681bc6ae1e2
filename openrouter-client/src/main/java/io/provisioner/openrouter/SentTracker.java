package io.provisioner.openrouter;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.Call;
import okhttp3.EventListener;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Notes when a call's request has been written completely, so that a later failure can be told apart:
 * before it the server cannot have acted, after it the outcome is unknown. {@link #SEND_ONCE} refuses to
 * put a call's request on the wire a second time.
 */
final class SentTracker extends EventListener {

    /** The per-call flag, attached to the request as its tag (OkHttp's follow-ups keep the tag). */
    static final class Flag {
        private volatile boolean sent;
        private final AtomicInteger transmissions = new AtomicInteger();
        private volatile int firstStatus = -1;

        boolean sent() {
            return sent;
        }
    }

    /** A follow-up OkHttp wanted to send by itself; refused, so a request is sent once per call. */
    static final class FollowUpRefused extends IOException {
        private static final long serialVersionUID = 1L;

        FollowUpRefused(int firstStatus) {
            super("refused OkHttp's automatic re-send after answer " + firstStatus);
        }
    }

    /**
     * Network interceptor: lets a call's first request through and fails any further one of the same call
     * (OkHttp's {@code RetryAndFollowUpInterceptor} re-sends e.g. after a 503 with {@code Retry-After: 0}
     * regardless of {@code retryOnConnectionFailure(false)}). The call then fails with an unknown outcome.
     */
    static final Interceptor SEND_ONCE = chain -> {
        Flag flag = chain.request().tag(Flag.class);
        if (flag != null && flag.transmissions.getAndIncrement() > 0) {
            throw new FollowUpRefused(flag.firstStatus);
        }
        Response response = chain.proceed(chain.request());
        if (flag != null) {
            flag.firstStatus = response.code();
        }
        return response;
    };

    static final EventListener.Factory FACTORY = call -> {
        Flag flag = call.request().tag(Flag.class);
        return flag == null ? EventListener.NONE : new SentTracker(flag);
    };

    private final Flag flag;

    private SentTracker(Flag flag) {
        this.flag = flag;
    }

    @Override
    public void requestHeadersEnd(Call call, Request request) {
        if (request.body() == null) {
            flag.sent = true;
        }
    }

    @Override
    public void requestBodyEnd(Call call, long byteCount) {
        flag.sent = true;
    }

    @Override
    public void responseHeadersStart(Call call) {
        flag.sent = true;
    }
}
