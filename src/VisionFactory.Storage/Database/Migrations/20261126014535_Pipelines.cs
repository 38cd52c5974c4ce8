using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace VisionFactory.Storage.Database.Migrations
{
    /// <inheritdoc />
    public partial class Pipelines : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "PipelineAlerts",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Pipeline = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    RaisedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    Label = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Confidence = table.Column<double>(type: "REAL", nullable: false),
                    Frames = table.Column<int>(type: "INTEGER", nullable: false),
                    Message = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_PipelineAlerts", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "PipelineResults",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Pipeline = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Version = table.Column<int>(type: "INTEGER", nullable: false),
                    Sequence = table.Column<long>(type: "INTEGER", nullable: false),
                    CapturedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    Width = table.Column<int>(type: "INTEGER", nullable: false),
                    Height = table.Column<int>(type: "INTEGER", nullable: false),
                    TopLabel = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    Detections = table.Column<string>(type: "TEXT", nullable: false),
                    ThumbnailSha256 = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_PipelineResults", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "PipelineVersions",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Number = table.Column<int>(type: "INTEGER", nullable: false),
                    Definition = table.Column<string>(type: "TEXT", nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_PipelineVersions", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_PipelineAlerts_Pipeline_Id",
                table: "PipelineAlerts",
                columns: new[] { "Pipeline", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_PipelineResults_Pipeline_Id",
                table: "PipelineResults",
                columns: new[] { "Pipeline", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_PipelineVersions_Name_Number",
                table: "PipelineVersions",
                columns: new[] { "Name", "Number" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "PipelineAlerts");

            migrationBuilder.DropTable(
                name: "PipelineResults");

            migrationBuilder.DropTable(
                name: "PipelineVersions");
        }
    }
}
