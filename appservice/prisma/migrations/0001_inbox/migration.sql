-- 0001_inbox: durable inbox of homeserver transactions and their events

-- CreateTable
CREATE TABLE "InboundTransaction" (
    "txnId" TEXT NOT NULL PRIMARY KEY,
    "receivedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "eventCount" INTEGER NOT NULL
);

-- CreateTable
CREATE TABLE "InboundEvent" (
    "seq" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "eventId" TEXT NOT NULL,
    "txnId" TEXT NOT NULL,
    "roomId" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "sender" TEXT NOT NULL,
    "event" TEXT NOT NULL,
    "receivedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "processedAt" DATETIME,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT
);

-- CreateIndex
CREATE UNIQUE INDEX "InboundEvent_eventId_key" ON "InboundEvent"("eventId");

-- CreateIndex
CREATE INDEX "InboundEvent_processedAt_seq_idx" ON "InboundEvent"("processedAt", "seq");
