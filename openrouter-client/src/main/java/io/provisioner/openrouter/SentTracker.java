package io.provisioner.openrouter;

import okhttp3.Call;
import okhttp3.EventListener;
import okhttp3.Request;

/**
 * Notes when a call's request has been written completely, so that a later failure can be told apart:
 * before it the server cannot have acted, after it the outcome is unknown.
 */
final class SentTracker extends EventListener {

    /** The per-call flag, attached to the request as its tag. */
    static final class Flag {
        private volatile boolean sent;

        boolean sent() {
            return sent;
        }
    }

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
