-- Signals of every kind (mentions, DMs, reactions), with what the runtime needs to act on them.
-- AlterTable
ALTER TABLE "Signal" ADD COLUMN "kind" TEXT NOT NULL DEFAULT 'mention',
ADD COLUMN "inReplyTo" TEXT,
ADD COLUMN "reactionKey" TEXT,
ADD COLUMN "relatesTo" TEXT,
ADD COLUMN "senderCanControl" BOOLEAN NOT NULL DEFAULT false;
UPDATE "Signal" SET "kind" = 'dm' WHERE "projectId" IS NULL;

-- CreateIndex
CREATE INDEX "OutboundMessage_eventId_idx" ON "OutboundMessage"("eventId");

-- CreateTable
CREATE TABLE "ThreadHops" (
    "roomId" TEXT NOT NULL,
    "threadKey" TEXT NOT NULL,
    "hops" INTEGER NOT NULL DEFAULT 0,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ThreadHops_pkey" PRIMARY KEY ("roomId","threadKey")
);
