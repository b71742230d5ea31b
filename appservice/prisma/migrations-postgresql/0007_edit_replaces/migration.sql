-- An edit remembers the event it replaces: an edit is posted unless the message's latest
-- edit already says the same, so a turn run again after a crash ends on its final text.
-- AlterTable
ALTER TABLE "OutboundMessage" ADD COLUMN "replaces" TEXT;

-- CreateIndex
CREATE INDEX "OutboundMessage_replaces_seq_idx" ON "OutboundMessage"("replaces", "seq");
