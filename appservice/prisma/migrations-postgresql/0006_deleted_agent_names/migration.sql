-- The names of deleted agents: their deactivated Matrix users keep their messages, so a
-- name is never given to a new agent again.
-- CreateTable
CREATE TABLE "DeletedAgentName" (
    "name" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "deletedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DeletedAgentName_pkey" PRIMARY KEY ("name")
);

-- CreateIndex
CREATE UNIQUE INDEX "DeletedAgentName_userId_key" ON "DeletedAgentName"("userId");
