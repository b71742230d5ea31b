-- The appservice's own log of the messages and members of the rooms it sees, so a runtime
-- reads its context without a round trip to the homeserver.
-- CreateTable
CREATE TABLE "RoomMessage" (
    "id" SERIAL NOT NULL,
    "eventId" TEXT NOT NULL,
    "roomId" TEXT NOT NULL,
    "sender" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "threadRootId" TEXT,
    "inReplyTo" TEXT,
    "sentAt" TIMESTAMP(3) NOT NULL,
    "editedAt" TIMESTAMP(3),

    CONSTRAINT "RoomMessage_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RoomMember" (
    "roomId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "displayName" TEXT,
    "membership" TEXT NOT NULL,

    CONSTRAINT "RoomMember_pkey" PRIMARY KEY ("roomId","userId")
);

-- CreateIndex
CREATE UNIQUE INDEX "RoomMessage_eventId_key" ON "RoomMessage"("eventId");

-- CreateIndex
CREATE INDEX "RoomMessage_roomId_id_idx" ON "RoomMessage"("roomId", "id");

-- CreateIndex
CREATE INDEX "RoomMessage_roomId_threadRootId_id_idx" ON "RoomMessage"("roomId", "threadRootId", "id");
