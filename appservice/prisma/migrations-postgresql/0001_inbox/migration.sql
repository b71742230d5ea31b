-- 0001_inbox: durable inbox of homeserver transactions and their events

-- CreateTable
CREATE TABLE "InboundTransaction" (
    "txnId" TEXT NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "eventCount" INTEGER NOT NULL,

    CONSTRAINT "InboundTransaction_pkey" PRIMARY KEY ("txnId")
);

-- CreateTable
CREATE TABLE "InboundEvent" (
    "seq" SERIAL NOT NULL,
    "eventId" TEXT NOT NULL,
    "txnId" TEXT NOT NULL,
    "roomId" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "sender" TEXT NOT NULL,
    "event" TEXT NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "processedAt" TIMESTAMP(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,

    CONSTRAINT "InboundEvent_pkey" PRIMARY KEY ("seq")
);

-- CreateIndex
CREATE UNIQUE INDEX "InboundEvent_eventId_key" ON "InboundEvent"("eventId");

-- CreateIndex
CREATE INDEX "InboundEvent_processedAt_seq_idx" ON "InboundEvent"("processedAt", "seq");
